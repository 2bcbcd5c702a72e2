#pragma once
// The reference provider: portable C++ kernels for every supported operator. Slow but simple; it is
// the fallback for any node no faster provider takes, and the oracle that other providers are tested
// against.

#include "engine/kernel_registry.h"

namespace berth {

// Adds every reference kernel to `registry` (one explicit list per operator family, see register.cc).
void RegisterReferenceKernels(KernelRegistry& registry);

// The families, each listed in its own register_<family>.cc.
void RegisterMathKernels(KernelRegistry& registry);          // element-wise math, comparisons, logic, activations
void RegisterTensorKernels(KernelRegistry& registry);        // shape, layout, indexing, casting, creation
void RegisterNnKernels(KernelRegistry& registry);            // conv, pooling, normalisation, matmul, softmax
void RegisterRecurrentKernels(KernelRegistry& registry);     // RNN, GRU, LSTM
void RegisterReductionKernels(KernelRegistry& registry);     // Reduce*, ArgMax/Min, TopK, CumSum, ...
void RegisterControlFlowKernels(KernelRegistry& registry);   // If, Loop, Scan, sequences, optionals
void RegisterMiscKernels(KernelRegistry& registry);          // quantization, signal, strings, detection, ...
void RegisterTrainingKernels(KernelRegistry& registry);      // optimizer update rules (ai.onnx.preview.training)
void RegisterFusedKernels(KernelRegistry& registry);         // com.berth fused operators (graph optimizer)

}  // namespace berth
