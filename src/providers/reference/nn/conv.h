#pragma once
// The convolution core shared by Conv and ConvInteger (im2col + GEMM per image and group).

#include <cstdint>

#include "berth/status.h"
#include "berth/tensor.h"
#include "providers/reference/nn/conv_geometry.h"

namespace berth::nn {

// Shapes of a validated convolution: X [N, C, in...], W [M, C/group, kernel...], Y [N, M, out...].
struct ConvShapes {
  int64_t batch = 0;
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t group = 1;
  WindowGeometry geometry;
};

// Checks X/W/B shapes against each other and the attributes and resolves the geometry. `bias` may
// be null. Messages name the node (`where`) and the offending input.
StatusOr<ConvShapes> ValidateConv(const WindowAttributes& attrs, int64_t group, const Tensor& x,
                                  const Tensor& w, const Tensor* bias, const std::string& where);

// y = conv(x, w) + bias, T in {float, double, int32_t}. `bias` may be null. Padding reads
// `pad_value`. y is fully overwritten.
template <typename T>
void ConvForward(const T* x, const T* w, const T* bias, T* y, const ConvShapes& s, T pad_value);

}  // namespace berth::nn
