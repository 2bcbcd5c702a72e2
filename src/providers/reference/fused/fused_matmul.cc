// com.berth FusedMatMul and FusedGemm (contract in fused_ops.h): the reference MatMul (or Gemm)
// kernel, then Add of the bias, then the activation kernel.

#include "providers/reference/fused/fused_ops.h"
#include "providers/reference/fused/kernel_chain.h"
#include "providers/reference/math/math_kernels.h"
#include "providers/reference/nn/nn_kernels.h"

namespace berth::fused {

namespace {

class FusedMatMulKernel final : public OpKernel {
 public:
  FusedMatMulKernel(std::unique_ptr<OpKernel> product, std::unique_ptr<OpKernel> add,
                    std::unique_ptr<OpKernel> act, int product_inputs)
      : product_(std::move(product)),
        add_(std::move(add)),
        act_(std::move(act)),
        product_inputs_(product_inputs) {}

  Status Compute(KernelContext& ctx) const override {
    std::vector<const Value*> inputs;
    for (int i = 0; i < product_inputs_; ++i) inputs.push_back(ctx.input_value(i));
    ASSIGN_OR_RETURN(Value y, RunStep(*product_, ctx, inputs));
    if (add_) {
      if (const Value* bias = ctx.input_value(2)) {
        const Shape& ys = y.tensor().shape();
        if (!bias->is_tensor() || bias->tensor().rank() != 1 || ys.empty() ||
            bias->tensor().dim(0) != ys.back()) {
          return InvalidArgument(
              ctx.NodeLabel() + ": input 2 ('Bias') must be 1-D of the output's last dimension " +
              (ys.empty() ? std::string("(output is a scalar)") : std::to_string(ys.back())) +
              ", got " +
              (bias->is_tensor() ? bias->tensor().Describe() : std::string("a non-tensor")));
        }
        ASSIGN_OR_RETURN(y, RunStep(*add_, ctx, {&y, bias}));
      }
    }
    if (act_) {
      ASSIGN_OR_RETURN(y, RunStep(*act_, ctx, {&y}));
    }
    ctx.SetOutput(0, std::move(y));
    return Status::Ok();
  }

 private:
  std::unique_ptr<OpKernel> product_, add_, act_;
  int product_inputs_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateFusedMatMul(const KernelInfo& info) {
  const std::string where = info.NodeLabel();
  if (info.num_inputs() < 2 || info.num_inputs() > 3) {
    return InvalidArgument(where + ": FusedMatMul takes 2 or 3 inputs (A, B, Bias), got " +
                           std::to_string(info.num_inputs()));
  }
  ASSIGN_OR_RETURN(auto matmul, CreateStep(nn::CreateMatMul, "MatMul", {}, 13, 2, where));
  ASSIGN_OR_RETURN(auto add, CreateStep(math::CreateAdd, "Add", {}, 14, 2, where));
  ASSIGN_OR_RETURN(auto act, CreateActivationStep(info, /*allow_gelu=*/true));
  return std::unique_ptr<OpKernel>(
      new FusedMatMulKernel(std::move(matmul), std::move(add), std::move(act), 2));
}

StatusOr<std::unique_ptr<OpKernel>> CreateFusedGemm(const KernelInfo& info) {
  const std::string where = info.NodeLabel();
  if (info.num_inputs() < 2 || info.num_inputs() > 3) {
    return InvalidArgument(where + ": FusedGemm takes 2 or 3 inputs (A, B, C), got " +
                           std::to_string(info.num_inputs()));
  }
  ASSIGN_OR_RETURN(
      auto gemm, CreateStep(nn::CreateGemm, "Gemm", WithoutActivation(info.node()), 13, 3, where));
  ASSIGN_OR_RETURN(auto act, CreateActivationStep(info, /*allow_gelu=*/true));
  return std::unique_ptr<OpKernel>(
      new FusedMatMulKernel(std::move(gemm), nullptr, std::move(act), 3));
}

}  // namespace berth::fused
