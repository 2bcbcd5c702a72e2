#pragma once
// Small helpers shared by the nn kernels: 16-bit float staging through float32, element access for
// tensors whose element type is only known at run time, and shape checks with good messages.

#include <string>
#include <type_traits>
#include <vector>

#include "berth/status.h"
#include "berth/tensor.h"
#include "engine/dispatch.h"

namespace berth::nn {

// Compile-time classification of VisitType's element types (its lambda is instantiated for every
// type, so typed code is guarded with `if constexpr`).
template <typename T>
inline constexpr bool kIsFloat =
    std::is_floating_point_v<T> || std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;
template <typename T>
inline constexpr bool kIsNumeric = kIsFloat<T> ||
                                   (std::is_integral_v<T> && !std::is_same_v<T, bool>);

// A float32 copy of a float16/bfloat16/float32/float64 tensor (shares the buffer if already
// float32).
Tensor ToFloat32(const Tensor& t);
// Writes a float32 tensor into `dst` (same element count), converting to dst's float type.
void StoreFromFloat32(const Tensor& src, Tensor* dst);

// The elements of a numeric tensor of any element type, converted to double / float / int64.
std::vector<double> ToDoubles(const Tensor& t);
std::vector<float> ToFloats(const Tensor& t);
StatusOr<std::vector<int64_t>> ToInt64s(const Tensor& t, const std::string& where);

// Product of shape[begin, end).
int64_t SizeFromTo(const Shape& shape, int begin, int end);

// Mean and biased variance of x[0, n), accumulated in double from the values as ComputeT<T> (16-bit
// floats read as float); both 0 when n is 0. The normalisation kernels' statistics.
template <typename T>
void MeanAndVariance(const T* x, int64_t n, double* mean, double* var) {
  using C = ComputeT<T>;
  double m = 0;
  for (int64_t i = 0; i < n; ++i) m += static_cast<double>(static_cast<C>(x[i]));
  m = n ? m / static_cast<double>(n) : 0.0;
  double v = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(static_cast<C>(x[i])) - m;
    v += d * d;
  }
  *mean = m;
  *var = n ? v / static_cast<double>(n) : 0.0;
}

// "input 'X' (0)" style name used in messages.
std::string InputName(int index, const char* name);

}  // namespace berth::nn
