#pragma once
// The optimized x86 provider on oneDNN. Its kernels are tried before the reference provider's; a
// factory declines a node it does not handle (unsupported type/attributes) and the reference runs it.

#include "engine/kernel_registry.h"

namespace berth {

void RegisterDnnlKernels(KernelRegistry& registry);
// Per family (one list file each).
void RegisterDnnlConvKernels(KernelRegistry& registry);   // register_conv.cc: Conv, pooling, BN, blocked layout ops
void RegisterDnnlDenseKernels(KernelRegistry& registry);  // register_dense.cc: MatMul, Gemm, LayerNorm, Softmax, eltwise

}  // namespace berth
