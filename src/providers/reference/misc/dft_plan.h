#pragma once
// A one-dimensional complex discrete Fourier transform of a fixed length, shared by DFT and STFT.
// Radix-2 FFT for power-of-two lengths, the direct O(n^2) sum otherwise; computed in double.
// Thread-safety: a plan is immutable after construction; Run() may be called concurrently with
// separate buffers.

#include <complex>
#include <cstdint>
#include <vector>

namespace berth {

class DftPlan {
 public:
  // `n` >= 1. An inverse plan uses exp(+2*pi*i*k*t/n) and divides by n.
  DftPlan(int64_t n, bool inverse);

  int64_t size() const { return n_; }

  // Transforms the n values in `in` and writes the first `out_len` (<= n) bins to `out`.
  // `scratch` is resized as needed (reuse it across calls to avoid allocations).
  void Run(const std::complex<double>* in, int64_t out_len, std::complex<double>* out,
           std::vector<std::complex<double>>& scratch) const;

 private:
  int64_t n_;
  bool inverse_;
  bool power_of_two_;
  std::vector<std::complex<double>> twiddle_;  // exp(sign * 2*pi*i * j / n), j in [0, n)
};

}  // namespace berth
