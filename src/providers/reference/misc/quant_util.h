#pragma once
// Helpers shared by the quantization kernels (QuantizeLinear, DequantizeLinear,
// DynamicQuantizeLinear, QLinearMatMul, QLinearConv): rounding, saturation, and reading scales and
// zero points.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "berth/status.h"
#include "berth/tensor.h"
#include "engine/dispatch.h"

namespace berth::quant {

// Rounds to the nearest integer, ties to even (the IEEE default rounding mode, which ONNX
// requires).
inline double RoundHalfEven(double x) { return std::nearbyint(x); }
inline float RoundHalfEven(float x) { return std::nearbyintf(x); }

// Clamps `v` into Q's range; NaN becomes 0. Never undefined behaviour, whatever `v` is.
template <typename Q>
Q Saturate(double v) {
  constexpr double lo = static_cast<double>(std::numeric_limits<Q>::lowest());
  constexpr double hi = static_cast<double>(std::numeric_limits<Q>::max());
  if (std::isnan(v)) return Q(0);
  if (v <= lo) return std::numeric_limits<Q>::lowest();
  if (v >= hi) return std::numeric_limits<Q>::max();
  return static_cast<Q>(v);
}

// A product of two zero-point-adjusted 8-bit values is at most 255 * 255 in magnitude, so an int32
// sum of up to this many products cannot overflow.
constexpr int64_t kInt32SafeTerms = std::numeric_limits<int32_t>::max() / (255 * 255);

// Element types of quantized tensors: 8-bit ones (QLinearMatMul, QLinearConv) and all of those
// DequantizeLinear reads.
using Int8Types = TypeList<int8_t, uint8_t>;
using QuantizedTypes = TypeList<int8_t, uint8_t, int16_t, uint16_t, int32_t>;

// Reads a scale tensor (float32, float16, bfloat16 or float64) as floats. Errors name `what`.
StatusOr<std::vector<float>> ReadScales(const Tensor& t, const std::string& where,
                                        const std::string& what);

// Reads a zero-point tensor of any integer type as int32 values. Errors name `what`.
StatusOr<std::vector<int32_t>> ReadZeroPoints(const Tensor& t, const std::string& where,
                                              const std::string& what);

// Whether `dtype` is a quantized 8-bit type (int8 or uint8).
bool Is8Bit(DataType dtype);

// How a scale/zero-point pair maps onto a tensor for QuantizeLinear/DequantizeLinear: either one
// value for everything (per-tensor), or one value per index of `axis` (per-axis). Element i of the
// tensor uses value (i / inner) % channels.
struct AxisLayout {
  bool per_axis = false;
  int64_t outer = 1;     // product of dimensions before the axis
  int64_t channels = 1;  // size of the axis
  int64_t inner = 1;     // product of dimensions after the axis
};

// Validates the scale (and optional zero point) shapes against `x_shape` and returns the layout.
// A scale with one element is per-tensor; a 1-D scale with shape[axis] elements is per-axis.
StatusOr<AxisLayout> ResolveAxisLayout(const Shape& x_shape, int64_t axis, const Tensor& scale,
                                       const Tensor* zero_point, const std::string& where);

// The scale and zero-point parameters of QuantizeLinear/DequantizeLinear: their layout on x and one
// scale and zero point per channel (zero points are 0 without a zero-point tensor). Errors name
// the node (`where`) and the inputs (`scale_name`, `zero_point_name`).
struct AxisParams {
  AxisLayout layout;
  std::vector<float> scales;
  std::vector<int32_t> zero_points;
};
StatusOr<AxisParams> ReadAxisParams(const Shape& x_shape, int64_t axis, const Tensor& scale,
                                    const Tensor* zero_point, const std::string& where,
                                    const std::string& scale_name,
                                    const std::string& zero_point_name);

}  // namespace berth::quant
