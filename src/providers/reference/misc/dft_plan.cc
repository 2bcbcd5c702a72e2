#include "providers/reference/misc/dft_plan.h"

#include <cmath>
#include <numbers>

namespace berth {
namespace {

constexpr int64_t kDirectMaxLength = 64;

bool IsPowerOfTwo(int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

// In-place radix-2 FFT of `a` (length m, a power of two). `tw[j]` = exp(-2*pi*i*j/m) for j < m/2;
// `inverse` conjugates the twiddles (no scaling).
void Radix2(std::complex<double>* a, int64_t m, const std::vector<std::complex<double>>& tw,
            bool inverse) {
  for (int64_t i = 1, j = 0; i < m; ++i) {  // bit-reversal permutation
    int64_t bit = m >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (int64_t len = 2; len <= m; len <<= 1) {
    const int64_t half = len / 2;
    const int64_t step = m / len;
    for (int64_t start = 0; start < m; start += len) {
      for (int64_t j = 0; j < half; ++j) {
        std::complex<double> w = tw[static_cast<size_t>(j * step)];
        if (inverse) w = std::conj(w);
        const std::complex<double> u = a[start + j];
        const std::complex<double> v = a[start + j + half] * w;
        a[start + j] = u + v;
        a[start + j + half] = u - v;
      }
    }
  }
}

std::vector<std::complex<double>> ForwardTwiddles(int64_t m) {
  std::vector<std::complex<double>> tw(static_cast<size_t>(m / 2 + 1));
  for (int64_t j = 0; j < static_cast<int64_t>(tw.size()); ++j) {
    const double angle = -2.0 * std::numbers::pi * static_cast<double>(j) / static_cast<double>(m);
    tw[static_cast<size_t>(j)] = {std::cos(angle), std::sin(angle)};
  }
  return tw;
}

}  // namespace

DftPlan::DftPlan(int64_t n, bool inverse) : n_(n), inverse_(inverse) {
  const double sign = inverse ? 1.0 : -1.0;
  if (IsPowerOfTwo(n)) {
    method_ = Method::kRadix2;
    fft_size_ = n;
    twiddle_ = ForwardTwiddles(n);
  } else if (n <= kDirectMaxLength) {
    method_ = Method::kDirect;
    twiddle_.resize(static_cast<size_t>(n));
    for (int64_t j = 0; j < n; ++j) {
      const double angle =
          sign * 2.0 * std::numbers::pi * static_cast<double>(j) / static_cast<double>(n);
      twiddle_[static_cast<size_t>(j)] = {std::cos(angle), std::sin(angle)};
    }
  } else {
    // Bluestein: k*t = (k^2 + t^2 - (k-t)^2) / 2 turns the DFT into a convolution with a chirp.
    method_ = Method::kBluestein;
    fft_size_ = 1;
    while (fft_size_ < 2 * n - 1) fft_size_ <<= 1;
    twiddle_ = ForwardTwiddles(fft_size_);
    chirp_.resize(static_cast<size_t>(n));
    for (int64_t j = 0; j < n; ++j) {
      // j^2 mod 2n keeps the angle small and exact.
      const int64_t j2 = static_cast<int64_t>((static_cast<unsigned __int128>(j) * j) %
                                              (2 * static_cast<uint64_t>(n)));
      const double angle =
          sign * std::numbers::pi * static_cast<double>(j2) / static_cast<double>(n);
      chirp_[static_cast<size_t>(j)] = {std::cos(angle), std::sin(angle)};
    }
    chirp_fft_.assign(static_cast<size_t>(fft_size_), 0);
    chirp_fft_[0] = std::conj(chirp_[0]);
    for (int64_t j = 1; j < n; ++j) {
      chirp_fft_[static_cast<size_t>(j)] = std::conj(chirp_[static_cast<size_t>(j)]);
      chirp_fft_[static_cast<size_t>(fft_size_ - j)] = std::conj(chirp_[static_cast<size_t>(j)]);
    }
    Radix2(chirp_fft_.data(), fft_size_, twiddle_, /*inverse=*/false);
  }
}

void DftPlan::Run(const std::complex<double>* in, int64_t out_len, std::complex<double>* out,
                  std::vector<std::complex<double>>& scratch) const {
  const int64_t n = n_;
  const double norm = inverse_ ? 1.0 / static_cast<double>(n) : 1.0;
  switch (method_) {
    case Method::kDirect:
      for (int64_t k = 0; k < out_len; ++k) {
        std::complex<double> sum = 0;
        int64_t idx = 0;  // (k * t) mod n, advanced incrementally
        for (int64_t t = 0; t < n; ++t) {
          sum += in[t] * twiddle_[static_cast<size_t>(idx)];
          idx += k;
          if (idx >= n) idx -= n;
        }
        out[k] = sum * norm;
      }
      return;
    case Method::kRadix2:
      scratch.assign(in, in + n);
      Radix2(scratch.data(), n, twiddle_, inverse_);
      for (int64_t k = 0; k < out_len; ++k) out[k] = scratch[static_cast<size_t>(k)] * norm;
      return;
    case Method::kBluestein: {
      const int64_t m = fft_size_;
      scratch.assign(static_cast<size_t>(m), 0);
      for (int64_t t = 0; t < n; ++t)
        scratch[static_cast<size_t>(t)] = in[t] * chirp_[static_cast<size_t>(t)];
      Radix2(scratch.data(), m, twiddle_, /*inverse=*/false);
      for (int64_t j = 0; j < m; ++j)
        scratch[static_cast<size_t>(j)] *= chirp_fft_[static_cast<size_t>(j)];
      Radix2(scratch.data(), m, twiddle_, /*inverse=*/true);
      const double scale = norm / static_cast<double>(m);
      for (int64_t k = 0; k < out_len; ++k) {
        out[k] = scratch[static_cast<size_t>(k)] * chirp_[static_cast<size_t>(k)] * scale;
      }
      return;
    }
  }
}

}  // namespace berth
