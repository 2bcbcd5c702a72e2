#pragma once
// A one-dimensional complex discrete Fourier transform of a fixed length, shared by DFT and STFT.
// Computed in double: radix-2 FFT for power-of-two lengths, the direct O(n^2) sum for short other
// lengths, and Bluestein's chirp-z algorithm (a power-of-two convolution) for long other lengths,
// so every length costs O(n log n). Thread-safety: a plan is immutable after construction; Run()
// may be called concurrently with separate buffers.

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
  enum class Method { kRadix2, kDirect, kBluestein };

  int64_t n_;
  bool inverse_;
  Method method_;
  int64_t fft_size_ = 0;  // power-of-two size of the radix-2 transforms
  std::vector<std::complex<double>>
      twiddle_;  // kDirect: exp(sign*2*pi*i*j/n); else exp(-2*pi*i*j/fft_size)
  std::vector<std::complex<double>> chirp_;  // kBluestein: exp(sign*pi*i*j^2/n), j in [0, n)
  std::vector<std::complex<double>>
      chirp_fft_;  // kBluestein: FFT of the conjugate chirp, circularly laid out
};

}  // namespace berth
