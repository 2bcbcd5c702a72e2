// QLinearConv (opset 10+): convolution of quantized int8/uint8 tensors.
//   acc[n, m, o] = B[m] + sum_{c, k} (x[n, c, o*s - pad + k*d] - x_zero_point) * (w[m, c, k] -
//   w_zero_point[m]) y = saturate(round_half_even(acc * x_scale * w_scale[m] / y_scale) +
//   y_zero_point)
// Padding contributes x_zero_point (a real zero). x, y params are per tensor; w params per tensor
// or per output channel. Computed with the nn family's geometry and im2col (on x - x_zero_point as
// int32, so padding reads 0) and an integer GEMM per group.

#include <cmath>

#include "engine/dispatch.h"
#include "providers/reference/misc/misc_kernels.h"
#include "providers/reference/misc/quant_util.h"
#include "providers/reference/nn/conv.h"

namespace berth {
namespace {

class QLinearConvKernel : public OpKernel {
 public:
  QLinearConvKernel(nn::WindowAttributes attrs, int64_t group)
      : attrs_(std::move(attrs)), group_(group) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* x_scale_t, ctx.RequireInput(1));
    ASSIGN_OR_RETURN(const Tensor* w, ctx.RequireInput(3));
    ASSIGN_OR_RETURN(const Tensor* w_scale_t, ctx.RequireInput(4));
    ASSIGN_OR_RETURN(const Tensor* y_scale_t, ctx.RequireInput(6));
    ASSIGN_OR_RETURN(const Tensor* y_zp_t, ctx.RequireInput(7));
    const Tensor* x_zp_t = ctx.input(2);
    const Tensor* w_zp_t = ctx.input(5);
    const Tensor* bias_t = ctx.input(8);
    if (!quant::Is8Bit(x->dtype()) || !quant::Is8Bit(w->dtype()) ||
        !quant::Is8Bit(y_zp_t->dtype())) {
      return InvalidArgument(where + ": x, w and y_zero_point must be int8 or uint8");
    }
    if ((x_zp_t && x_zp_t->dtype() != x->dtype()) || (w_zp_t && w_zp_t->dtype() != w->dtype())) {
      return InvalidArgument(where + ": a zero point must have the type of its input");
    }
    ASSIGN_OR_RETURN(nn::ConvShapes g, nn::ValidateConv(attrs_, group_, *x, *w, nullptr, where));
    const int64_t M = g.out_channels;

    // Quantization parameters.
    ASSIGN_OR_RETURN(std::vector<float> x_scale, quant::ReadScales(*x_scale_t, where, "x_scale"));
    ASSIGN_OR_RETURN(std::vector<float> w_scale, quant::ReadScales(*w_scale_t, where, "w_scale"));
    ASSIGN_OR_RETURN(std::vector<float> y_scale, quant::ReadScales(*y_scale_t, where, "y_scale"));
    ASSIGN_OR_RETURN(std::vector<int32_t> y_zp,
                     quant::ReadZeroPoints(*y_zp_t, where, "y_zero_point"));
    std::vector<int32_t> x_zp = {0};
    std::vector<int32_t> w_zp = {0};
    if (x_zp_t) {
      ASSIGN_OR_RETURN(x_zp, quant::ReadZeroPoints(*x_zp_t, where, "x_zero_point"));
    }
    if (w_zp_t) {
      ASSIGN_OR_RETURN(w_zp, quant::ReadZeroPoints(*w_zp_t, where, "w_zero_point"));
    }
    if (x_scale.size() != 1 || x_zp.size() != 1 || y_scale.size() != 1 || y_zp.size() != 1) {
      return InvalidArgument(where +
                             ": x and y scales and zero points must have exactly one element");
    }
    auto per_channel_ok = [&](size_t n) { return n == 1 || static_cast<int64_t>(n) == M; };
    if (!per_channel_ok(w_scale.size()) || !per_channel_ok(w_zp.size())) {
      return InvalidArgument(where + ": w_scale and w_zero_point must have 1 or " +
                             std::to_string(M) + " (output channels) elements");
    }
    std::vector<int32_t> bias(static_cast<size_t>(M), 0);
    if (bias_t) {
      if (bias_t->dtype() != DataType::kInt32 || bias_t->numel() != M) {
        return InvalidArgument(where + ": bias B must be int32 with " + std::to_string(M) +
                               " elements, got " + bias_t->Describe());
      }
      std::copy(bias_t->data<int32_t>(), bias_t->data<int32_t>() + M, bias.begin());
    }

    Shape y_shape = {g.batch, M};
    y_shape.insert(y_shape.end(), g.geometry.output.begin(), g.geometry.output.end());
    Tensor* y = ctx.AllocateOutput(0, y_zp_t->dtype(), y_shape);
    if (y->numel() == 0) return Status::Ok();

    Params p;
    p.x_zp = x_zp[0];
    p.y_zp = y_zp[0];
    p.bias = &bias;
    p.multiplier.resize(static_cast<size_t>(M));
    for (int64_t m = 0; m < M; ++m) {
      const float ws = w_scale[w_scale.size() == 1 ? 0 : static_cast<size_t>(m)];
      p.multiplier[static_cast<size_t>(m)] = x_scale[0] * ws / y_scale[0];
    }
    // Weights minus their zero points, [M, C/group * prod(kernel)].
    const int64_t wsize = w->numel() / (M == 0 ? 1 : M);
    p.w_int.resize(static_cast<size_t>(w->numel()));
    RETURN_IF_ERROR(VisitOf<quant::Int8Types>(
        w->dtype(),
        [&](auto tw) -> Status {
          using TW = typename decltype(tw)::type;
          const TW* ws = w->data<TW>();
          for (int64_t m = 0; m < M; ++m) {
            const int32_t zp = w_zp[w_zp.size() == 1 ? 0 : static_cast<size_t>(m)];
            for (int64_t i = 0; i < wsize; ++i)
              p.w_int[static_cast<size_t>(m * wsize + i)] = int32_t(ws[m * wsize + i]) - zp;
          }
          return Status::Ok();
        },
        where));

    return VisitOf<quant::Int8Types>(
        x->dtype(),
        [&](auto tx) -> Status {
          using TX = typename decltype(tx)::type;
          return VisitOf<quant::Int8Types>(
              y->dtype(),
              [&](auto ty) -> Status {
                using TY = typename decltype(ty)::type;
                Run<TX, TY>(g, p, x->data<TX>(), y->data<TY>());
                return Status::Ok();
              },
              where);
        },
        where);
  }

 private:
  struct Params {
    int32_t x_zp = 0;
    int32_t y_zp = 0;
    const std::vector<int32_t>* bias = nullptr;
    std::vector<float> multiplier;  // x_scale * w_scale[m] / y_scale
    std::vector<int32_t> w_int;
  };

  template <typename TX, typename TY>
  static void Run(const nn::ConvShapes& g, const Params& p, const TX* x, TY* y) {
    const nn::WindowGeometry& geo = g.geometry;
    const int64_t in_size = geo.input_size();
    const int64_t out_size = geo.output_size();
    const int64_t cg = g.in_channels / g.group;  // input channels per group
    const int64_t rows = cg * geo.kernel_size();
    const nn::PatchGeometry patches{geo.input,   geo.output,    geo.kernel,
                                    geo.strides, geo.dilations, geo.pad_head};
    std::vector<int32_t> image(static_cast<size_t>(cg * in_size));
    std::vector<int32_t> col(static_cast<size_t>(rows * out_size));

    for (int64_t n = 0; n < g.batch; ++n) {
      for (int64_t grp = 0; grp < g.group; ++grp) {
        // im2col of x - x_zero_point: row (c, kernel position), column = output position; padding
        // reads x_zero_point, i.e. 0.
        const TX* xg = x + (n * g.in_channels + grp * cg) * in_size;
        for (size_t i = 0; i < image.size(); ++i) image[i] = int32_t(xg[i]) - p.x_zp;
        nn::Im2Col<int32_t>(image.data(), cg, patches, 0, col.data());
        // GEMM: out[m, o] = sum_r w_int[m, r] * col[r, o]. 32-bit sums are exact (and vectorize
        // well) while they cannot overflow; longer rows use 64-bit sums.
        if (rows <= quant::kInt32SafeTerms) {
          Gemm<int32_t>(g, p, n, grp, rows, out_size, col, y);
        } else {
          Gemm<int64_t>(g, p, n, grp, rows, out_size, col, y);
        }
      }
    }
  }

  template <typename Acc, typename TY>
  static void Gemm(const nn::ConvShapes& g, const Params& p, int64_t n, int64_t grp, int64_t rows,
                   int64_t out_size, const std::vector<int32_t>& col, TY* y) {
    const int64_t mg = g.out_channels / g.group;
    std::vector<Acc> acc(static_cast<size_t>(out_size));
    for (int64_t mm = 0; mm < mg; ++mm) {
      const int64_t m = grp * mg + mm;
      std::fill(acc.begin(), acc.end(), Acc{0});
      const int32_t* wrow = &p.w_int[static_cast<size_t>(m * rows)];
      for (int64_t r = 0; r < rows; ++r) {
        const Acc wv = wrow[r];
        if (wv == 0) continue;
        const int32_t* crow = &col[static_cast<size_t>(r * out_size)];
        Acc* a = acc.data();
        for (int64_t o = 0; o < out_size; ++o) a[o] += wv * crow[o];
      }
      const int64_t bias = (*p.bias)[static_cast<size_t>(m)];
      const double mult = p.multiplier[static_cast<size_t>(m)];
      TY* yo = y + (n * g.out_channels + m) * out_size;
      for (int64_t o = 0; o < out_size; ++o) {
        const double v = quant::RoundHalfEven(
            static_cast<double>(static_cast<int64_t>(acc[static_cast<size_t>(o)]) + bias) * mult);
        yo[o] = quant::Saturate<TY>(v + p.y_zp);
      }
    }
  }

  nn::WindowAttributes attrs_;
  int64_t group_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateQLinearConv(const KernelInfo& info) {
  ASSIGN_OR_RETURN(nn::WindowAttributes attrs, nn::WindowAttributes::Read(info));
  const int64_t group = info.GetInt("group", 1);
  if (group <= 0) {
    return InvalidArgument(info.NodeLabel() + ": group must be positive, got " +
                           std::to_string(group));
  }
  return MakeKernel<QLinearConvKernel>(std::move(attrs), group);
}

}  // namespace berth
