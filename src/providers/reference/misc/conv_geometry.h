#pragma once
// Convolution geometry for QLinearConv: attributes (kernel_shape, strides, dilations, pads,
// auto_pad, group) resolved against concrete input and weight shapes into per-axis padding and
// output sizes.

#include <string>
#include <vector>

#include "berth/status.h"
#include "berth/tensor.h"
#include "engine/kernel.h"

namespace berth {

struct ConvAttributes {
  std::string auto_pad = "NOTSET";
  int64_t group = 1;
  std::vector<int64_t> kernel_shape;  // empty: taken from the weight
  std::vector<int64_t> strides;       // empty: all 1
  std::vector<int64_t> dilations;     // empty: all 1
  std::vector<int64_t> pads;          // empty: all 0; else [begin..., end...]

  // Reads and checks the attributes that do not depend on shapes.
  static StatusOr<ConvAttributes> Read(const KernelInfo& info);
};

struct ConvGeometry {
  int64_t batch = 0;
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t group = 1;
  std::vector<int64_t> in_spatial;
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pad_begin;
  std::vector<int64_t> out_spatial;

  Shape OutputShape() const;
};

// Checks x [N, C, D1..Dn] and w [M, C/group, k1..kn] against the attributes and computes the
// geometry.
StatusOr<ConvGeometry> ResolveConvGeometry(const ConvAttributes& attrs, const Shape& x,
                                           const Shape& w, const std::string& where);

}  // namespace berth
