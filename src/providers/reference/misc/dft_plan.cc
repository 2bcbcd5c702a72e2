#include "providers/reference/misc/dft_plan.h"

#include <cmath>
#include <numbers>

namespace berth {

DftPlan::DftPlan(int64_t n, bool inverse)
    : n_(n), inverse_(inverse), power_of_two_(n > 0 && (n & (n - 1)) == 0) {
  const double sign = inverse ? 1.0 : -1.0;
  twiddle_.resize(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) {
    const double angle = 2.0 * std::numbers::pi * static_cast<double>(j) / static_cast<double>(n);
    twiddle_[static_cast<size_t>(j)] = {std::cos(angle), sign * std::sin(angle)};
  }
}

void DftPlan::Run(const std::complex<double>* in, int64_t out_len, std::complex<double>* out,
                  std::vector<std::complex<double>>& scratch) const {
  const int64_t n = n_;
  const double norm = inverse_ ? 1.0 / static_cast<double>(n) : 1.0;
  if (!power_of_two_) {
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
  }
  // Iterative radix-2 Cooley-Tukey: bit-reversed copy, then butterflies.
  scratch.resize(static_cast<size_t>(n));
  std::complex<double>* a = scratch.data();
  int bits = 0;
  while ((int64_t{1} << bits) < n) ++bits;
  for (int64_t i = 0; i < n; ++i) {
    int64_t r = 0;
    for (int b = 0; b < bits; ++b) r |= ((i >> b) & 1) << (bits - 1 - b);
    a[r] = in[i];
  }
  for (int64_t len = 2; len <= n; len <<= 1) {
    const int64_t half = len / 2;
    const int64_t step = n / len;
    for (int64_t start = 0; start < n; start += len) {
      for (int64_t j = 0; j < half; ++j) {
        const std::complex<double> w = twiddle_[static_cast<size_t>(j * step)];
        const std::complex<double> u = a[start + j];
        const std::complex<double> v = a[start + j + half] * w;
        a[start + j] = u + v;
        a[start + j + half] = u - v;
      }
    }
  }
  for (int64_t k = 0; k < out_len; ++k) out[k] = a[k] * norm;
}

}  // namespace berth
