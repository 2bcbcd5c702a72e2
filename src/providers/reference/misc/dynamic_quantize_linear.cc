// DynamicQuantizeLinear (opset 11+): quantizes a float32 tensor to uint8 with a scale and zero
// point computed from its range, which is first widened to include 0:
//   scale = (max(0, max(x)) - min(0, min(x))) / 255
//   zero_point = saturate(round_half_even(0 - min / scale))
//   y = saturate(round_half_even(x / scale) + zero_point)
// A tensor whose range is empty (all zeros, or no elements) gets scale 1 and zero point 0, as ONNX
// Runtime does, instead of dividing by zero.

#include <algorithm>

#include "engine/dispatch.h"
#include "providers/reference/misc/misc_kernels.h"
#include "providers/reference/misc/quant_util.h"

namespace berth {
namespace {

class DynamicQuantizeLinearKernel : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    if (x->dtype() != DataType::kFloat32) {
      return UnsupportedType(x->dtype(), where + ": input 'x' (only float32 is allowed)");
    }
    const float* xs = x->data<float>();
    const int64_t n = x->numel();
    float lo = 0.0f;
    float hi = 0.0f;
    for (int64_t i = 0; i < n; ++i) {
      // NaNs do not take part in the range (std::min/max with NaN on the right keep the left).
      lo = std::min(lo, xs[i]);
      hi = std::max(hi, xs[i]);
    }
    float scale = (hi - lo) / 255.0f;
    if (!(scale > 0.0f) || !std::isfinite(scale)) scale = 1.0f;
    const uint8_t zero_point = quant::Saturate<uint8_t>(quant::RoundHalfEven((0.0f - lo) / scale));

    Tensor* y = ctx.AllocateOutput(0, DataType::kUint8, x->shape());
    uint8_t* ys = y->data<uint8_t>();
    for (int64_t i = 0; i < n; ++i) {
      ys[i] = quant::Saturate<uint8_t>(static_cast<double>(quant::RoundHalfEven(xs[i] / scale)) +
                                       zero_point);
    }
    if (ctx.output_wanted(1))
      ctx.AllocateOutput(1, DataType::kFloat32, {})->data<float>()[0] = scale;
    if (ctx.output_wanted(2))
      ctx.AllocateOutput(2, DataType::kUint8, {})->data<uint8_t>()[0] = zero_point;
    return Status::Ok();
  }
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateDynamicQuantizeLinear(const KernelInfo& info) {
  return MakeKernel<DynamicQuantizeLinearKernel>();
}

}  // namespace berth
