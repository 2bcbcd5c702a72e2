// The oneDNN provider's dense kernels: MatMul/Gemm (and the com.berth fused forms the optimizer
// emits), LayerNormalization, Softmax/LogSoftmax, element-wise activations and binary arithmetic.
// Each factory declines what it does not handle, and the reference kernel runs it.

#include "providers/dnnl/eltwise.h"
#include "providers/dnnl/register.h"
#include "providers/dnnl/transpose.h"

namespace berth {

void RegisterDnnlDenseKernels(KernelRegistry& registry) {
  using namespace dnnl_dense;  // NOLINT: the factories of this list
  // Matrix products.
  registry.Register("", "MatMul", CreateMatMul, 1);
  registry.Register("com.berth", "FusedMatMul", CreateMatMul, 1);
  registry.Register("", "Gemm", CreateGemm, 1);
  registry.Register("com.berth", "FusedGemm", CreateGemm, 1);

  // Data movement.
  registry.Register("", "Transpose", CreateTranspose, 1);

  // Normalisation.
  registry.Register("", "LayerNormalization", CreateLayerNormalization, 17);
  registry.Register("com.berth", "LayerNormalization", CreateLayerNormalization, 1);
  registry.Register("", "Softmax", CreateSoftmax, 1);
  registry.Register("", "LogSoftmax", CreateSoftmax, 1);

  // Element-wise activations.
  for (const char* op :
       {"Relu", "LeakyRelu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Abs", "Elu"}) {
    registry.Register("", op, CreateEltwise, 6);
  }
  registry.Register("", "HardSwish", CreateEltwise, 14);
  registry.Register("", "Gelu", CreateEltwise, 20);
  registry.Register("com.berth", "Gelu", CreateEltwise, 1);
  registry.Register("", "Clip", CreateClip, 6);

  // Binary arithmetic with broadcasting.
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) registry.Register("", op, CreateBinary, 7);
}

}  // namespace berth
