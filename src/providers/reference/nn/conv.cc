// Conv (opsets 1-11+): N-d convolution with groups, strides, dilations and padding, computed per
// image and group as W_g [M/g, C/g*K] x im2col(X_g) [C/g*K, out], with the shared f32 GEMM.

#include "providers/reference/nn/conv.h"

#include <algorithm>
#include <vector>

#include "engine/dispatch.h"
#include "providers/reference/nn/gemm_f32.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {

StatusOr<ConvShapes> ValidateConv(const WindowAttributes& attrs, int64_t group, const Tensor& x,
                                  const Tensor& w, const Tensor* bias, const std::string& where) {
  if (x.rank() < 3) {
    return InvalidArgument(where +
                           ": input 0 ('X') must have shape [N, C, D1, ...] with at least one "
                           "spatial dimension, got " +
                           ShapeToString(x.shape()));
  }
  if (w.rank() != x.rank()) {
    return InvalidArgument(where + ": input 1 ('W') has shape " + ShapeToString(w.shape()) +
                           " but must have the same rank as X " + ShapeToString(x.shape()));
  }
  ConvShapes s;
  s.batch = x.dim(0);
  s.in_channels = x.dim(1);
  s.out_channels = w.dim(0);
  s.group = group;
  if (group <= 0)
    return InvalidArgument(where + ": group must be positive, got " + std::to_string(group));
  if (s.in_channels % group != 0 || w.dim(1) * group != s.in_channels) {
    return InvalidArgument(where + ": X has " + std::to_string(s.in_channels) + " channels but W " +
                           ShapeToString(w.shape()) + " expects " + std::to_string(w.dim(1)) +
                           " per group with group=" + std::to_string(group));
  }
  if (s.out_channels % group != 0) {
    return InvalidArgument(where + ": W has " + std::to_string(s.out_channels) +
                           " output channels, not divisible by group=" + std::to_string(group));
  }
  std::vector<int64_t> kernel(w.shape().begin() + 2, w.shape().end());
  if (!attrs.kernel_shape.empty() && attrs.kernel_shape != kernel) {
    return InvalidArgument(where + ": kernel_shape attribute does not match W's spatial shape " +
                           ShapeToString(w.shape()));
  }
  if (bias && (bias->rank() != 1 || bias->dim(0) != s.out_channels)) {
    return InvalidArgument(where + ": input 2 ('B') must have shape [" +
                           std::to_string(s.out_channels) + "], got " +
                           ShapeToString(bias->shape()));
  }
  std::vector<int64_t> input(x.shape().begin() + 2, x.shape().end());
  ASSIGN_OR_RETURN(s.geometry, ResolveForwardGeometry(attrs, input, kernel, where));
  return s;
}

// Elements of the im2col buffer built at once (16 MiB of float).
constexpr int64_t kColumnBudget = int64_t{1} << 22;

template <typename T>
void ConvForward(const T* x, const T* w, const T* bias, T* y, const ConvShapes& s, T pad_value) {
  const WindowGeometry& g = s.geometry;
  const int64_t cg = s.in_channels / s.group;
  const int64_t mg = s.out_channels / s.group;
  const int64_t in_size = g.input_size();
  const int64_t out_size = g.output_size();
  const int64_t ksize = g.kernel_size();
  const int64_t depth = cg * ksize;

  bool pointwise = true;  // 1x1 kernel, stride 1, no padding: the image is its own column matrix
  for (int i = 0; i < g.rank(); ++i) {
    pointwise = pointwise && g.kernel[i] == 1 && g.strides[i] == 1 && g.pad_head[i] == 0 &&
                g.pad_tail[i] == 0;
  }
  PatchGeometry pg{g.input, g.output, g.kernel, g.strides, g.dilations, g.pad_head};
  // One input channel and few filters per group (depthwise): a GEMM of depth K would be mostly
  // overhead, so each filter is applied directly.
  const bool depthwise = cg == 1 && mg <= 4 && !pointwise;
  // The column matrix is built for a band of output rows (first spatial axis) at a time, so that
  // large images do not need a depth x (all outputs) buffer.
  const int64_t rows_total = g.output[0];
  const int64_t row_size = rows_total > 0 ? out_size / rows_total : 0;
  const int64_t band = std::clamp<int64_t>(kColumnBudget / std::max<int64_t>(1, depth * row_size),
                                           1, std::max<int64_t>(rows_total, 1));
  std::vector<T> col(pointwise || depthwise ? 0 : static_cast<size_t>(depth * band * row_size));

  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t grp = 0; grp < s.group; ++grp) {
      const T* xg = x + (n * s.in_channels + grp * cg) * in_size;
      T* yg = y + (n * s.out_channels + grp * mg) * out_size;
      if (depthwise) {
        std::fill(yg, yg + mg * out_size, T(0));
        for (int64_t m = 0; m < mg; ++m) {
          PatchDot(xg, pg, w + (grp * mg + m) * ksize, yg + m * out_size);
        }
        continue;
      }
      if (pointwise) {
        Gemm<T>(false, false, mg, out_size, depth, T(1), w + grp * mg * depth, depth, xg, out_size,
                T(0), yg, out_size);
        continue;
      }
      for (int64_t r0 = 0; r0 < rows_total; r0 += band) {
        const int64_t rows = std::min(band, rows_total - r0);
        PatchGeometry bg = pg;  // the band: output rows [r0, r0 + rows)
        bg.patches[0] = rows;
        bg.pad_head[0] = pg.pad_head[0] - r0 * pg.strides[0];
        Im2Col(xg, cg, bg, pad_value, col.data());
        Gemm<T>(false, false, mg, rows * row_size, depth, T(1), w + grp * mg * depth, depth,
                col.data(), rows * row_size, T(0), yg + r0 * row_size, out_size);
      }
    }
    if (bias) {
      for (int64_t m = 0; m < s.out_channels; ++m) {
        T* ym = y + (n * s.out_channels + m) * out_size;
        const T b = bias[m];
        for (int64_t i = 0; i < out_size; ++i) ym[i] += b;
      }
    }
  }
}

template void ConvForward<float>(const float*, const float*, const float*, float*,
                                 const ConvShapes&, float);
template void ConvForward<double>(const double*, const double*, const double*, double*,
                                  const ConvShapes&, double);
template void ConvForward<int32_t>(const int32_t*, const int32_t*, const int32_t*, int32_t*,
                                   const ConvShapes&, int32_t);

namespace {

class ConvKernel : public OpKernel {
 public:
  ConvKernel(WindowAttributes attrs, int64_t group) : attrs_(std::move(attrs)), group_(group) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* w, ctx.RequireInput(1));
    const Tensor* b = ctx.input(2);
    if (w->dtype() != x->dtype() || (b && b->dtype() != x->dtype())) {
      return InvalidArgument(where + ": X, W and B must have the same element type, got " +
                             std::string(DataTypeName(x->dtype())) + ", " +
                             std::string(DataTypeName(w->dtype())) +
                             (b ? ", " + std::string(DataTypeName(b->dtype())) : ""));
    }
    ASSIGN_OR_RETURN(ConvShapes s, ValidateConv(attrs_, group_, *x, *w, b, where));
    Shape out_shape = {s.batch, s.out_channels};
    out_shape.insert(out_shape.end(), s.geometry.output.begin(), s.geometry.output.end());
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), out_shape);
    if (y->numel() == 0) return Status::Ok();
    return VisitType(
        x->dtype(), kFloatTypes,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
            ConvForward<T>(x->data<T>(), w->data<T>(), b ? b->data<T>() : nullptr, y->data<T>(), s,
                           T(0));
          } else if constexpr (kIsFloat<T>) {
            Tensor xf = ToFloat32(*x), wf = ToFloat32(*w), bf;
            if (b) bf = ToFloat32(*b);
            Tensor yf(DataType::kFloat32, y->shape());
            ConvForward<float>(xf.data<float>(), wf.data<float>(), b ? bf.data<float>() : nullptr,
                               yf.data<float>(), s, 0.0f);
            StoreFromFloat32(yf, y);
          }
          return Status::Ok();
        },
        where);
  }

 private:
  WindowAttributes attrs_;
  int64_t group_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateConv(const KernelInfo& info) {
  ASSIGN_OR_RETURN(WindowAttributes attrs, WindowAttributes::Read(info));
  const int64_t group = info.GetInt("group", 1);
  if (group <= 0) {
    return InvalidArgument(info.NodeLabel() + ": group must be positive, got " +
                           std::to_string(group));
  }
  return MakeKernel<ConvKernel>(std::move(attrs), group);
}

}  // namespace berth::nn
