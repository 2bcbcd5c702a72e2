#pragma once
// Window geometry shared by Conv, ConvTranspose, ConvInteger and the pooling operators: reading and
// validating kernel_shape/strides/dilations/pads/auto_pad, resolving the padding and output size
// for given input sizes, and the im2col / col2im transforms that turn a convolution into a GEMM.

#include <algorithm>
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
  std::vector<int64_t> input;  // spatial input sizes
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pad_head;
  std::vector<int64_t> pad_tail;
  std::vector<int64_t> output;  // spatial output sizes

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

// Enumerates, for one channel, the runs of patch positions along the last axis that read inside
// the image, for every kernel tap: run(k, dst, src, count, src_step) means patches
// [dst, dst + count) (flat, row-major over the patch grid) read the image elements
// src + i * src_step (flat within the channel) for kernel tap k (flat, row-major over the kernel).
// Taps that fall in the padding produce no run. All conv/pool inner loops are built on this.
template <typename Run>
void ForEachPatchRun(const PatchGeometry& g, Run&& run);

// col[(c * K + k) * P + p] = image[c][pos(p, k)] or `pad_value` outside the image.
template <typename T>
void Im2Col(const T* image, int64_t channels, const PatchGeometry& g, T pad_value, T* col);
// image[c][pos(p, k)] += col[(c * K + k) * P + p] for positions inside the image.
template <typename T>
void Col2Im(const T* col, int64_t channels, const PatchGeometry& g, T* image);
// One channel, no column buffer: out[p] += sum_k weights[k] * image[pos(p, k)] (positions outside
// the image contribute nothing). The direct form of a depthwise convolution.
template <typename T>
void PatchDot(const T* image, const PatchGeometry& g, const T* weights, T* out);

// ---- implementation of ForEachPatchRun ----

template <typename Run>
void ForEachPatchRun(const PatchGeometry& g, Run&& run) {
  const int r = static_cast<int>(g.image.size());
  if (r == 0) {
    run(int64_t{0}, int64_t{0}, int64_t{0}, int64_t{1}, int64_t{1});
    return;
  }
  const auto ceil_div = [](int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); };
  std::vector<int64_t> kidx(static_cast<size_t>(r), 0), pidx(static_cast<size_t>(r), 0);
  std::vector<int64_t> image_strides(static_cast<size_t>(r), 1);
  for (int d = r - 2; d >= 0; --d) image_strides[d] = image_strides[d + 1] * g.image[d + 1];
  int64_t kernel_size = 1, lead_patches = 1;
  for (int d = 0; d < r; ++d) kernel_size *= g.kernel[d];
  for (int d = 0; d + 1 < r; ++d) lead_patches *= g.patches[d];
  const int64_t last_patches = g.patches[r - 1];
  const int64_t stride = g.strides[r - 1];
  const int64_t last_image = g.image[r - 1];
  for (int64_t k = 0; k < kernel_size; ++k) {
    // Patches p of the last axis with 0 <= p * stride + koff < image.
    const int64_t koff = kidx[r - 1] * g.dilations[r - 1] - g.pad_head[r - 1];
    const int64_t lo = std::clamp<int64_t>(ceil_div(-koff, stride), 0, last_patches);
    const int64_t hi = std::clamp<int64_t>(ceil_div(last_image - koff, stride), lo, last_patches);
    std::fill(pidx.begin(), pidx.end(), 0);
    for (int64_t lp = 0; lp < lead_patches; ++lp) {
      int64_t offset = 0;
      bool inside = hi > lo;
      for (int d = 0; inside && d + 1 < r; ++d) {
        const int64_t pos = pidx[d] * g.strides[d] + kidx[d] * g.dilations[d] - g.pad_head[d];
        inside = pos >= 0 && pos < g.image[d];
        offset += pos * image_strides[d];
      }
      if (inside) run(k, lp * last_patches + lo, offset + koff + lo * stride, hi - lo, stride);
      for (int d = r - 2; d >= 0; --d) {
        if (++pidx[d] < g.patches[d]) break;
        pidx[d] = 0;
      }
    }
    for (int d = r - 1; d >= 0; --d) {
      if (++kidx[d] < g.kernel[d]) break;
      kidx[d] = 0;
    }
  }
}

}  // namespace berth::nn
