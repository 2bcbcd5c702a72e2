#include "providers/reference/nn/conv_geometry.h"

#include <algorithm>

namespace berth::nn {
namespace {

std::string Join(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

int64_t CeilDiv(int64_t a, int64_t b) {
  // b > 0; rounds toward +infinity for negative a too.
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

int64_t Product(const std::vector<int64_t>& v) {
  int64_t n = 1;
  for (int64_t x : v) n *= x;
  return n;
}

}  // namespace

int64_t WindowGeometry::input_size() const { return Product(input); }
int64_t WindowGeometry::output_size() const { return Product(output); }
int64_t WindowGeometry::kernel_size() const { return Product(kernel); }

StatusOr<WindowAttributes> WindowAttributes::Read(const KernelInfo& info) {
  WindowAttributes a;
  const std::string where = info.NodeLabel();
  const std::string auto_pad = info.GetString("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET" || auto_pad.empty()) {
    a.auto_pad = AutoPad::kNotSet;
  } else if (auto_pad == "SAME_UPPER") {
    a.auto_pad = AutoPad::kSameUpper;
  } else if (auto_pad == "SAME_LOWER") {
    a.auto_pad = AutoPad::kSameLower;
  } else if (auto_pad == "VALID") {
    a.auto_pad = AutoPad::kValid;
  } else {
    return InvalidArgument(where + ": unknown auto_pad '" + auto_pad +
                           "' (expected NOTSET, SAME_UPPER, SAME_LOWER or VALID)");
  }
  a.kernel_shape = info.GetInts("kernel_shape");
  a.strides = info.GetInts("strides");
  a.dilations = info.GetInts("dilations");
  a.pads = info.GetInts("pads");
  a.ceil_mode = info.GetInt("ceil_mode", 0) != 0;
  for (int64_t k : a.kernel_shape) {
    if (k <= 0)
      return InvalidArgument(where + ": kernel_shape " + Join(a.kernel_shape) +
                             " must be positive");
  }
  for (int64_t s : a.strides) {
    if (s <= 0)
      return InvalidArgument(where + ": strides " + Join(a.strides) + " must be positive");
  }
  for (int64_t d : a.dilations) {
    if (d <= 0)
      return InvalidArgument(where + ": dilations " + Join(a.dilations) + " must be positive");
  }
  for (int64_t p : a.pads) {
    if (p < 0) return InvalidArgument(where + ": pads " + Join(a.pads) + " must be non-negative");
  }
  if (a.pads.size() % 2 != 0) {
    return InvalidArgument(where + ": pads " + Join(a.pads) +
                           " must have an even length (begin and end per axis)");
  }
  return a;
}

Status FillWindowDefaults(const WindowAttributes& attrs, int rank, std::vector<int64_t>* strides,
                          std::vector<int64_t>* dilations, std::vector<int64_t>* pad_head,
                          std::vector<int64_t>* pad_tail, const std::string& where) {
  const size_t r = static_cast<size_t>(rank);
  if (!attrs.strides.empty() && attrs.strides.size() != r) {
    return InvalidArgument(where + ": strides " + Join(attrs.strides) + " should have " +
                           std::to_string(rank) + " values for " + std::to_string(rank) +
                           " spatial dimensions");
  }
  if (!attrs.dilations.empty() && attrs.dilations.size() != r) {
    return InvalidArgument(where + ": dilations " + Join(attrs.dilations) + " should have " +
                           std::to_string(rank) + " values for " + std::to_string(rank) +
                           " spatial dimensions");
  }
  if (!attrs.pads.empty() && attrs.pads.size() != 2 * r) {
    return InvalidArgument(where + ": pads " + Join(attrs.pads) + " should have " +
                           std::to_string(2 * rank) + " values for " + std::to_string(rank) +
                           " spatial dimensions");
  }
  *strides = attrs.strides.empty() ? std::vector<int64_t>(r, 1) : attrs.strides;
  *dilations = attrs.dilations.empty() ? std::vector<int64_t>(r, 1) : attrs.dilations;
  pad_head->assign(r, 0);
  pad_tail->assign(r, 0);
  if (!attrs.pads.empty()) {
    for (size_t i = 0; i < r; ++i) {
      (*pad_head)[i] = attrs.pads[i];
      (*pad_tail)[i] = attrs.pads[i + r];
    }
  }
  return Status::Ok();
}

StatusOr<WindowGeometry> ResolveForwardGeometry(const WindowAttributes& attrs,
                                                const std::vector<int64_t>& input,
                                                const std::vector<int64_t>& kernel,
                                                const std::string& where) {
  WindowGeometry g;
  const int rank = static_cast<int>(input.size());
  if (kernel.size() != input.size()) {
    return InvalidArgument(where + ": kernel shape " + Join(kernel) + " does not match the " +
                           std::to_string(rank) + " spatial dimensions of the input");
  }
  g.input = input;
  g.kernel = kernel;
  RETURN_IF_ERROR(
      FillWindowDefaults(attrs, rank, &g.strides, &g.dilations, &g.pad_head, &g.pad_tail, where));
  g.output.resize(input.size());
  for (size_t i = 0; i < input.size(); ++i) {
    const int64_t in = input[i];
    const int64_t s = g.strides[i];
    const int64_t eff_k = (kernel[i] - 1) * g.dilations[i] + 1;
    int64_t out = 0;
    switch (attrs.auto_pad) {
      case AutoPad::kSameUpper:
      case AutoPad::kSameLower: {
        out = CeilDiv(in, s);
        const int64_t total = std::max<int64_t>(0, (out - 1) * s + eff_k - in);
        const int64_t small = total / 2;
        g.pad_head[i] = attrs.auto_pad == AutoPad::kSameUpper ? small : total - small;
        g.pad_tail[i] = total - g.pad_head[i];
        break;
      }
      case AutoPad::kValid:
        g.pad_head[i] = g.pad_tail[i] = 0;
        [[fallthrough]];
      case AutoPad::kNotSet: {
        // span may be negative: with ceil_mode a window may still hang over the end.
        const int64_t span = in + g.pad_head[i] + g.pad_tail[i] - eff_k;
        if (attrs.ceil_mode) {
          out = CeilDiv(span, s) + 1;
          // A window starting past the input and the head padding covers only tail padding.
          if (out > 0 && (out - 1) * s >= in + g.pad_head[i]) --out;
        } else {
          out = span < 0 ? 0 : span / s + 1;
        }
        break;
      }
    }
    if (out <= 0 && in > 0) {
      return InvalidArgument(where + ": the window (kernel " + Join(kernel) + ", dilations " +
                             Join(g.dilations) + ") is larger than the padded input " +
                             Join(input) + " (pads " + Join(g.pad_head) + " / " + Join(g.pad_tail) +
                             ")");
    }
    g.output[i] = std::max<int64_t>(out, 0);
  }
  return g;
}

template <typename T>
void Im2Col(const T* image, int64_t channels, const PatchGeometry& g, T pad_value, T* col) {
  const int64_t image_size = Product(g.image);
  const int64_t patches = Product(g.patches);
  const int64_t col_per_channel = Product(g.kernel) * patches;
  bool padded = false;  // without padding every tap of every patch is inside the image
  for (size_t d = 0; d < g.image.size(); ++d) {
    const int64_t span = (g.patches[d] - 1) * g.strides[d] + (g.kernel[d] - 1) * g.dilations[d];
    padded = padded || g.pad_head[d] > 0 || span - g.pad_head[d] >= g.image[d];
  }
  if (padded) std::fill(col, col + channels * col_per_channel, pad_value);
  for (int64_t c = 0; c < channels; ++c) {
    const T* img = image + c * image_size;
    T* out = col + c * col_per_channel;
    ForEachPatchRun(g, [&](int64_t k, int64_t dst, int64_t src, int64_t count, int64_t step) {
      T* d = out + k * patches + dst;
      const T* s = img + src;
      if (step == 1) {
        std::copy(s, s + count, d);
      } else {
        for (int64_t i = 0; i < count; ++i) d[i] = s[i * step];
      }
    });
  }
}

template <typename T>
void Col2Im(const T* col, int64_t channels, const PatchGeometry& g, T* image) {
  const int64_t image_size = Product(g.image);
  const int64_t patches = Product(g.patches);
  const int64_t col_per_channel = Product(g.kernel) * patches;
  for (int64_t c = 0; c < channels; ++c) {
    T* img = image + c * image_size;
    const T* in = col + c * col_per_channel;
    ForEachPatchRun(g, [&](int64_t k, int64_t dst, int64_t src, int64_t count, int64_t step) {
      const T* s = in + k * patches + dst;
      T* d = img + src;
      for (int64_t i = 0; i < count; ++i) d[i * step] += s[i];
    });
  }
}

template <typename T>
void PatchDot(const T* image, const PatchGeometry& g, const T* weights, T* out) {
  ForEachPatchRun(g, [&](int64_t k, int64_t dst, int64_t src, int64_t count, int64_t step) {
    const T w = weights[k];
    T* d = out + dst;
    const T* s = image + src;
    if (step == 1) {
      for (int64_t i = 0; i < count; ++i) d[i] += w * s[i];
    } else {
      for (int64_t i = 0; i < count; ++i) d[i] += w * s[i * step];
    }
  });
}

template void Im2Col<float>(const float*, int64_t, const PatchGeometry&, float, float*);
template void Im2Col<double>(const double*, int64_t, const PatchGeometry&, double, double*);
template void Im2Col<int32_t>(const int32_t*, int64_t, const PatchGeometry&, int32_t, int32_t*);
template void Col2Im<float>(const float*, int64_t, const PatchGeometry&, float*);
template void Col2Im<double>(const double*, int64_t, const PatchGeometry&, double*);
template void PatchDot<float>(const float*, const PatchGeometry&, const float*, float*);
template void PatchDot<double>(const double*, const PatchGeometry&, const double*, double*);
template void PatchDot<int32_t>(const int32_t*, const PatchGeometry&, const int32_t*, int32_t*);

}  // namespace berth::nn
