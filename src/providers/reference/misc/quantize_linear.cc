// QuantizeLinear (opsets 10-20): y = saturate(round_half_even(x / y_scale) + y_zero_point).
// Opset 10 takes a per-tensor scale; opset 13 adds per-axis scales (`axis`, default 1).

#include "engine/dispatch.h"
#include "providers/reference/misc/misc_kernels.h"
#include "providers/reference/misc/quant_util.h"

namespace berth {
namespace {

class QuantizeLinearKernel : public OpKernel {
 public:
  explicit QuantizeLinearKernel(int64_t axis) : axis_(axis) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* scale, ctx.RequireInput(1));
    const Tensor* zero_point = ctx.input(2);
    ASSIGN_OR_RETURN(quant::AxisParams params,
                     quant::ReadAxisParams(x->shape(), axis_, *scale, zero_point, where,
                                           "y_scale", "y_zero_point"));
    const DataType out_type = zero_point ? zero_point->dtype() : DataType::kUint8;
    Tensor* y = ctx.AllocateOutput(0, out_type, x->shape());
    return VisitOf<int8_t, uint8_t, int16_t, uint16_t>(
        out_type,
        [&](auto out_tag) -> Status {
          using Q = typename decltype(out_tag)::type;
          return VisitOf<FloatTypes, int32_t>(
              x->dtype(),
              [&](auto in_tag) -> Status {
                using T = typename decltype(in_tag)::type;
                Quantize<T, Q>(x->data<T>(), params, y->data<Q>());
                return Status::Ok();
              },
              where + ": input 'x'");
        },
        where + ": y_zero_point");
  }

 private:
  template <typename T, typename Q>
  static void Quantize(const T* x, const quant::AxisParams& p, Q* y) {
    const quant::AxisLayout& layout = p.layout;
    int64_t i = 0;
    for (int64_t o = 0; o < layout.outer; ++o) {
      for (int64_t c = 0; c < layout.channels; ++c) {
        const float s = p.scales[static_cast<size_t>(c)];
        const double zp = p.zero_points[static_cast<size_t>(c)];
        for (int64_t k = 0; k < layout.inner; ++k, ++i) {
          double q;
          if constexpr (std::is_same_v<T, int32_t>) {
            q = quant::RoundHalfEven(static_cast<double>(x[i]) / static_cast<double>(s));
          } else {
            // float / float then round, exactly as the reference does it in float32.
            q = quant::RoundHalfEven(static_cast<float>(x[i]) / s);
          }
          y[i] = quant::Saturate<Q>(q + zp);
        }
      }
    }
  }

  int64_t axis_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateQuantizeLinear(const KernelInfo& info) {
  return MakeKernel<QuantizeLinearKernel>(info.GetInt("axis", 1));
}

}  // namespace berth
