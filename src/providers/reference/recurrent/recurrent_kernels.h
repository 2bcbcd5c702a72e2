#pragma once
// Factories of the reference recurrent kernels (one layer each, as ONNX defines them; a
// multi-layer PyTorch RNN exports as one node per layer). Registered in
// providers/reference/register_recurrent.cc.

#include "engine/kernel.h"

namespace berth {

StatusOr<std::unique_ptr<OpKernel>> CreateRnn(const KernelInfo& info);   // rnn.cc
StatusOr<std::unique_ptr<OpKernel>> CreateGru(const KernelInfo& info);   // gru.cc
StatusOr<std::unique_ptr<OpKernel>> CreateLstm(const KernelInfo& info);  // lstm.cc

}  // namespace berth
