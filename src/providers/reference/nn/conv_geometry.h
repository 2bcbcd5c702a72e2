#pragma once
// Window geometry shared by Conv, ConvTranspose, ConvInteger and the pooling operators: reading and
// validating kernel_shape/strides/dilations/pads/auto_pad, resolving the padding and output size for
// given input sizes, and the im2col / col2im transforms that turn a convolution into a GEMM.

#include <cstdint>
#include <string>
#include <vector>

#include "berth/status.h"
#include "engine/kernel.h"

namespace berth::nn {

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

// The window attributes as written on the node; empty vectors mean "not given" (defaults depend on
// the spatial rank, known only at run time).
struct WindowAttributes {
  AutoPad auto_pad = AutoPad::kNotSet;
  std::vector<int64_t> kernel_shape;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads;  // [x1_begin, x2_begin, ..., x1_end, x2_end, ...]
  bool ceil_mode = false;     // pooling only

  // Reads and validates (positive strides/dilations/kernel sizes, non-negative pads, even pads
  // length, known auto_pad string). Errors name the node.
  static StatusOr<WindowAttributes> Read(const KernelInfo& info);
};

// Fully resolved geometry for one spatial rank.
struct WindowGeometry {
  std::vector<int64_t> input;     // spatial input sizes
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pad_head;
  std::vector<int64_t> pad_tail;
  std::vector<int64_t> output;    // spatial output sizes

  int rank() const { return static_cast<int>(input.size()); }
  int64_t input_size() const;
  int64_t output_size() const;
  int64_t kernel_size() const;
};

// Conv / pooling: output = floor-or-ceil((in + pads - dilated kernel) / stride) + 1 for NOTSET and
// VALID; ceil(in / stride) for SAME_*. `kernel` comes from the weights or kernel_shape. With
// ceil_mode, a last window that would start inside the tail padding is dropped (as PyTorch and the
// ONNX reference do). Errors name `where` and explain mismatched ranks or an empty output.
StatusOr<WindowGeometry> ResolveForwardGeometry(const WindowAttributes& attrs,
                                                const std::vector<int64_t>& input,
                                                const std::vector<int64_t>& kernel,
                                                const std::string& where);

// Fills in per-dimension defaults (stride 1, dilation 1, pads 0) and checks ranks.
Status FillWindowDefaults(const WindowAttributes& attrs, int rank, std::vector<int64_t>* strides,
                          std::vector<int64_t>* dilations, std::vector<int64_t>* pad_head,
                          std::vector<int64_t>* pad_tail, const std::string& where);

// Geometry of the patch transform between an "image" (channels x image dims) and its columns
// (channels*kernel x patch positions): image position = patch * stride - pad_head + k * dilation.
// For Conv the image is the input and patches are output positions; for ConvTranspose the image
// is the output and patches are the input positions.
struct PatchGeometry {
  std::vector<int64_t> image;
  std::vector<int64_t> patches;
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pad_head;
};

// col[(c * K + k) * P + p] = image[c][pos(p, k)] or `pad_value` outside the image.
template <typename T>
void Im2Col(const T* image, int64_t channels, const PatchGeometry& g, T pad_value, T* col);
// image[c][pos(p, k)] += col[(c * K + k) * P + p] for positions inside the image.
template <typename T>
void Col2Im(const T* col, int64_t channels, const PatchGeometry& g, T* image);

}  // namespace berth::nn
