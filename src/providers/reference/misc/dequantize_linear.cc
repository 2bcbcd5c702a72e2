// DequantizeLinear (opsets 10-20): y = (x - x_zero_point) * x_scale.
// Opset 13 adds per-axis scales (`axis`, default 1). The output has the scale's type (float32
// before opset 19, which also allows float16/bfloat16 scales). int32 inputs take no zero point, or
// a zero one.

#include "engine/dispatch.h"
#include "providers/reference/misc/misc_kernels.h"
#include "providers/reference/misc/quant_util.h"

namespace berth {
namespace {

class DequantizeLinearKernel : public OpKernel {
 public:
  explicit DequantizeLinearKernel(int64_t axis) : axis_(axis) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* scale, ctx.RequireInput(1));
    const Tensor* zero_point = ctx.input(2);
    if (zero_point && zero_point->dtype() != x->dtype()) {
      return InvalidArgument(where + ": x_zero_point type " +
                             std::string(DataTypeName(zero_point->dtype())) +
                             " differs from x type " + std::string(DataTypeName(x->dtype())));
    }
    ASSIGN_OR_RETURN(quant::AxisParams params,
                     quant::ReadAxisParams(x->shape(), axis_, *scale, zero_point, where,
                                           "x_scale", "x_zero_point"));
    Tensor* y = ctx.AllocateOutput(0, scale->dtype(), x->shape());
    return VisitOf<FloatTypes>(
        scale->dtype(),
        [&](auto out_tag) -> Status {
          using F = typename decltype(out_tag)::type;
          return VisitOf<quant::QuantizedTypes>(
              x->dtype(),
              [&](auto in_tag) -> Status {
                using T = typename decltype(in_tag)::type;
                Dequantize<T, F>(x->data<T>(), params, y->data<F>());
                return Status::Ok();
              },
              where + ": input 'x'");
        },
        where + ": input 'x_scale'");
  }

 private:
  template <typename T, typename F>
  static void Dequantize(const T* x, const quant::AxisParams& p, F* y) {
    const quant::AxisLayout& layout = p.layout;
    int64_t i = 0;
    for (int64_t o = 0; o < layout.outer; ++o) {
      for (int64_t c = 0; c < layout.channels; ++c) {
        const float s = p.scales[static_cast<size_t>(c)];
        const int64_t zp = p.zero_points[static_cast<size_t>(c)];
        for (int64_t k = 0; k < layout.inner; ++k, ++i) {
          float v = static_cast<float>(static_cast<int64_t>(x[i]) - zp) * s;
          y[i] = static_cast<F>(v);
        }
      }
    }
  }

  int64_t axis_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateDequantizeLinear(const KernelInfo& info) {
  return MakeKernel<DequantizeLinearKernel>(info.GetInt("axis", 1));
}

}  // namespace berth
