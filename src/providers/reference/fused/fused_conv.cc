// com.berth FusedConv (contract in fused_ops.h): the reference Conv kernel, then Add of the
// residual, then the activation kernel.

#include "providers/reference/fused/fused_ops.h"
#include "providers/reference/fused/kernel_chain.h"
#include "providers/reference/math/math_kernels.h"
#include "providers/reference/nn/nn_kernels.h"

namespace berth::fused {

namespace {

class FusedConvKernel final : public OpKernel {
 public:
  FusedConvKernel(std::unique_ptr<OpKernel> conv, std::unique_ptr<OpKernel> add,
                  std::unique_ptr<OpKernel> act)
      : conv_(std::move(conv)), add_(std::move(add)), act_(std::move(act)) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(
        Value y,
        RunStep(*conv_, ctx, {ctx.input_value(0), ctx.input_value(1), ctx.input_value(2)}));
    if (const Value* z = ctx.input_value(3)) {
      if (!z->is_tensor() || z->tensor().shape() != y.tensor().shape()) {
        return InvalidArgument(
            ctx.NodeLabel() + ": input 3 ('Z') must have the output's shape " +
            ShapeToString(y.tensor().shape()) + ", got " +
            (z->is_tensor() ? ShapeToString(z->tensor().shape()) : std::string("a non-tensor")));
      }
      ASSIGN_OR_RETURN(y, RunStep(*add_, ctx, {&y, z}));
    }
    if (act_) {
      ASSIGN_OR_RETURN(y, RunStep(*act_, ctx, {&y}));
    }
    ctx.SetOutput(0, std::move(y));
    return Status::Ok();
  }

 private:
  std::unique_ptr<OpKernel> conv_, add_, act_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateFusedConv(const KernelInfo& info) {
  const std::string where = info.NodeLabel();
  if (info.num_inputs() < 2 || info.num_inputs() > 4) {
    return InvalidArgument(where + ": FusedConv takes 2 to 4 inputs (X, W, B, Z), got " +
                           std::to_string(info.num_inputs()));
  }
  ASSIGN_OR_RETURN(
      auto conv, CreateStep(nn::CreateConv, "Conv", WithoutActivation(info.node()), 11, 3, where));
  ASSIGN_OR_RETURN(auto add, CreateStep(math::CreateAdd, "Add", {}, 14, 2, where));
  ASSIGN_OR_RETURN(auto act, CreateActivationStep(info, /*allow_gelu=*/false));
  return std::unique_ptr<OpKernel>(
      new FusedConvKernel(std::move(conv), std::move(add), std::move(act)));
}

}  // namespace berth::fused
