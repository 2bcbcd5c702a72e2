// ConvTranspose (opsets 1-11+): the gradient of Conv with respect to its input. Per image and
// group, col [M/g*K, in] = W_g^T x X_g with the shared GEMM, then col2im scatters (adds) the
// columns into the output: output position = input position * stride - pad_head + k * dilation.
//
// Padding: explicit pads, or, with output_shape or SAME_* auto_pad (out = in * stride),
// total = stride*(in-1) + output_padding + dilated kernel - out, split as the spec says
// (SAME_UPPER: head = total / 2; otherwise head = total - total / 2). A negative total
// (output_shape larger than the natural size) puts all the extra positions at the end, holding only
// the bias (as ONNX Runtime and the conformance data do).

#include <algorithm>
#include <vector>

#include "engine/dispatch.h"
#include "providers/reference/nn/conv_geometry.h"
#include "providers/reference/nn/gemm_f32.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {
namespace {

// Elements of the column buffer built at once (16 MiB of float).
constexpr int64_t kColumnBudget = int64_t{1} << 22;

struct TransposeShapes {
  int64_t batch = 0, in_channels = 0, out_channels = 0, group = 1;
  PatchGeometry patch;  // image = output, patches = input
};

template <typename T>
void ConvTransposeForward(const T* x, const T* w, const T* bias, T* y, const TransposeShapes& s) {
  const PatchGeometry& g = s.patch;
  int64_t in_size = 1, out_size = 1, ksize = 1;
  for (int64_t v : g.patches) in_size *= v;
  for (int64_t v : g.image) out_size *= v;
  for (int64_t v : g.kernel) ksize *= v;
  const int64_t cg = s.in_channels / s.group;
  const int64_t mg = s.out_channels / s.group;
  // Columns are made for a band of input rows (first spatial axis) at a time to bound the buffer.
  const int64_t rows_total = g.patches[0];
  const int64_t row_size = rows_total > 0 ? in_size / rows_total : 0;
  const int64_t band =
      std::clamp<int64_t>(kColumnBudget / std::max<int64_t>(1, mg * ksize * row_size), 1,
                          std::max<int64_t>(rows_total, 1));
  std::vector<T> col(static_cast<size_t>(mg * ksize * band * row_size));
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t grp = 0; grp < s.group; ++grp) {
      const T* xg = x + (n * s.in_channels + grp * cg) * in_size;
      const T* wg = w + grp * cg * mg * ksize;
      T* yg = y + (n * s.out_channels + grp * mg) * out_size;
      for (int64_t r0 = 0; r0 < rows_total; r0 += band) {
        const int64_t rows = std::min(band, rows_total - r0);
        const int64_t cols = rows * row_size;
        Gemm<T>(true, false, mg * ksize, cols, cg, T(1), wg, mg * ksize, xg + r0 * row_size,
                in_size, T(0), col.data(), cols);
        PatchGeometry bg = g;  // the band: input rows [r0, r0 + rows)
        bg.patches[0] = rows;
        bg.pad_head[0] = g.pad_head[0] - r0 * g.strides[0];
        Col2Im(col.data(), mg, bg, yg);
      }
    }
    if (bias) {
      for (int64_t m = 0; m < s.out_channels; ++m) {
        T* ym = y + (n * s.out_channels + m) * out_size;
        for (int64_t i = 0; i < out_size; ++i) ym[i] += bias[m];
      }
    }
  }
}

class ConvTransposeKernel : public OpKernel {
 public:
  ConvTransposeKernel(WindowAttributes attrs, int64_t group, std::vector<int64_t> output_padding,
                      std::vector<int64_t> output_shape)
      : attrs_(std::move(attrs)),
        group_(group),
        output_padding_(std::move(output_padding)),
        output_shape_(std::move(output_shape)) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* w, ctx.RequireInput(1));
    const Tensor* b = ctx.input(2);
    if (w->dtype() != x->dtype() || (b && b->dtype() != x->dtype())) {
      return InvalidArgument(where + ": X, W and B must have the same element type");
    }
    ASSIGN_OR_RETURN(TransposeShapes s, Validate(*x, *w, b, where));
    Shape out_shape = {s.batch, s.out_channels};
    out_shape.insert(out_shape.end(), s.patch.image.begin(), s.patch.image.end());
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), out_shape);
    if (y->numel() == 0) return Status::Ok();
    return VisitType(
        x->dtype(), kFloatTypes,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
            ConvTransposeForward<T>(x->data<T>(), w->data<T>(), b ? b->data<T>() : nullptr,
                                    y->data<T>(), s);
          } else if constexpr (kIsFloat<T>) {
            Tensor xf = ToFloat32(*x), wf = ToFloat32(*w), bf;
            if (b) bf = ToFloat32(*b);
            Tensor yf(DataType::kFloat32, y->shape());
            ConvTransposeForward<float>(xf.data<float>(), wf.data<float>(),
                                        b ? bf.data<float>() : nullptr, yf.data<float>(), s);
            StoreFromFloat32(yf, y);
          }
          return Status::Ok();
        },
        where);
  }

 private:
  StatusOr<TransposeShapes> Validate(const Tensor& x, const Tensor& w, const Tensor* b,
                                     const std::string& where) const {
    if (x.rank() < 3) {
      return InvalidArgument(where + ": input 0 ('X') must have shape [N, C, D1, ...], got " +
                             ShapeToString(x.shape()));
    }
    if (w.rank() != x.rank()) {
      return InvalidArgument(where + ": input 1 ('W') has shape " + ShapeToString(w.shape()) +
                             " but must have the same rank as X " + ShapeToString(x.shape()));
    }
    TransposeShapes s;
    s.batch = x.dim(0);
    s.in_channels = x.dim(1);
    s.group = group_;
    if (w.dim(0) != s.in_channels || s.in_channels % group_ != 0) {
      return InvalidArgument(where + ": W " + ShapeToString(w.shape()) + " must have X's " +
                             std::to_string(s.in_channels) +
                             " channels first, divisible by group=" + std::to_string(group_));
    }
    s.out_channels = w.dim(1) * group_;
    if (b && (b->rank() != 1 || b->dim(0) != s.out_channels)) {
      return InvalidArgument(where + ": input 2 ('B') must have shape [" +
                             std::to_string(s.out_channels) + "], got " +
                             ShapeToString(b->shape()));
    }
    const int rank = x.rank() - 2;
    const size_t r = static_cast<size_t>(rank);
    std::vector<int64_t> kernel(w.shape().begin() + 2, w.shape().end());
    if (!attrs_.kernel_shape.empty() && attrs_.kernel_shape != kernel) {
      return InvalidArgument(where + ": kernel_shape attribute does not match W's spatial shape " +
                             ShapeToString(w.shape()));
    }
    std::vector<int64_t> strides, dilations, head, tail;
    RETURN_IF_ERROR(FillWindowDefaults(attrs_, rank, &strides, &dilations, &head, &tail, where));
    std::vector<int64_t> out_pad =
        output_padding_.empty() ? std::vector<int64_t>(r, 0) : output_padding_;
    if (out_pad.size() != r) {
      return InvalidArgument(where + ": output_padding must have " + std::to_string(rank) +
                             " values");
    }
    std::vector<int64_t> target;  // requested spatial output size, if any
    if (!output_shape_.empty()) {
      if (output_shape_.size() == r) {
        target = output_shape_;
      } else if (output_shape_.size() == r + 2) {
        target.assign(output_shape_.begin() + 2, output_shape_.end());
      } else {
        return InvalidArgument(where + ": output_shape must have " + std::to_string(rank) +
                               " spatial values");
      }
    }
    s.patch.patches.assign(x.shape().begin() + 2, x.shape().end());
    s.patch.kernel = kernel;
    s.patch.strides = strides;
    s.patch.dilations = dilations;
    s.patch.image.resize(r);
    s.patch.pad_head.resize(r);
    for (size_t i = 0; i < r; ++i) {
      const int64_t in = s.patch.patches[i];
      const int64_t eff_k = (kernel[i] - 1) * dilations[i] + 1;
      const int64_t natural = strides[i] * (in - 1) + out_pad[i] + eff_k;
      const bool same =
          attrs_.auto_pad == AutoPad::kSameUpper || attrs_.auto_pad == AutoPad::kSameLower;
      if (!target.empty() || same) {
        const int64_t out = !target.empty() ? target[i] : in * strides[i];
        const int64_t total = natural - out;
        if (total <= 0) {
          s.patch.pad_head[i] = 0;  // the extra outputs go at the end
        } else {
          s.patch.pad_head[i] =
              attrs_.auto_pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
        }
        s.patch.image[i] = out;
      } else if (attrs_.auto_pad == AutoPad::kValid) {
        s.patch.pad_head[i] = 0;
        s.patch.image[i] = natural;
      } else {
        s.patch.pad_head[i] = head[i];
        s.patch.image[i] = natural - head[i] - tail[i];
      }
      if (s.patch.image[i] < 0) {
        return InvalidArgument(where +
                               ": the padding leaves a negative output size along spatial axis " +
                               std::to_string(i));
      }
    }
    return s;
  }

  WindowAttributes attrs_;
  int64_t group_;
  std::vector<int64_t> output_padding_;
  std::vector<int64_t> output_shape_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateConvTranspose(const KernelInfo& info) {
  ASSIGN_OR_RETURN(WindowAttributes attrs, WindowAttributes::Read(info));
  const int64_t group = info.GetInt("group", 1);
  if (group <= 0) {
    return InvalidArgument(info.NodeLabel() + ": group must be positive, got " +
                           std::to_string(group));
  }
  std::vector<int64_t> output_padding = info.GetInts("output_padding");
  for (int64_t p : output_padding) {
    if (p < 0) return InvalidArgument(info.NodeLabel() + ": output_padding must be non-negative");
  }
  std::vector<int64_t> output_shape = info.GetInts("output_shape");
  for (int64_t d : output_shape) {
    if (d < 0) return InvalidArgument(info.NodeLabel() + ": output_shape must be non-negative");
  }
  return MakeKernel<ConvTransposeKernel>(std::move(attrs), group, std::move(output_padding),
                                         std::move(output_shape));
}

}  // namespace berth::nn
