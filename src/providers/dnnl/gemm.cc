// Gemm and com.berth FusedGemm on oneDNN: Y = act(alpha * op(A) op(B) + beta * C), run by the
// MatMul kernel (matmul.h) in its Gemm mode.

#include "providers/dnnl/matmul.h"

namespace berth::dnnl_dense {

StatusOr<std::unique_ptr<OpKernel>> CreateGemm(const KernelInfo& info) {
  MatMulConfig config;
  config.gemm = true;
  config.trans_a = info.GetInt("transA", 0) != 0;
  config.trans_b = info.GetInt("transB", 0) != 0;
  config.alpha = info.GetFloat("alpha", 1.0f);
  config.beta = info.GetFloat("beta", 1.0f);
  if (info.op_type() == "FusedGemm") {
    std::optional<Activation> act = ParseActivation(info);
    if (!act) return std::unique_ptr<OpKernel>();
    config.activation = *act;
  }
  // Before opset 7 Gemm's C was required to be [M, N] unless `broadcast` was set; the reference
  // kernel keeps those rules.
  if (info.node().domain.empty() && info.opset() < 7) return std::unique_ptr<OpKernel>();
  return MakeDnnlKernel<MatMulDnnl>(info, config, info.ConstantInput(1));
}

}  // namespace berth::dnnl_dense
