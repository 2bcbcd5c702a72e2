// com.berth Gelu and LayerNormalization (contract in fused_ops.h): the reference ai.onnx kernels
// (Gelu-20 and LayerNormalization-17), whose semantics the contract adopts.

#include "providers/reference/fused/fused_ops.h"
#include "providers/reference/math/math_kernels.h"
#include "providers/reference/nn/nn_kernels.h"

namespace berth::fused {

StatusOr<std::unique_ptr<OpKernel>> CreateGelu(const KernelInfo& info) {
  if (info.num_inputs() != 1) {
    return InvalidArgument(info.NodeLabel() + ": Gelu takes 1 input, got " +
                           std::to_string(info.num_inputs()));
  }
  KernelInfo as_onnx(info.node(), 20, nullptr);
  return math::CreateGelu(as_onnx);
}

StatusOr<std::unique_ptr<OpKernel>> CreateLayerNormalization(const KernelInfo& info) {
  if (info.num_inputs() < 2 || info.num_inputs() > 3 || info.num_outputs() != 1) {
    return InvalidArgument(
        info.NodeLabel() +
        ": LayerNormalization takes 2 or 3 inputs (X, Scale, B) and gives 1 output");
  }
  KernelInfo as_onnx(info.node(), 17, nullptr);
  return nn::CreateLayerNormalization(as_onnx);
}

}  // namespace berth::fused
