#pragma once
// Optimizer update rules of the ai.onnx.preview.training domain (Adagrad, Momentum, Adam). They are
// pure functions of their inputs, so inference engines can run them (e.g. for on-device updates).

#include "engine/kernel.h"

namespace berth {

StatusOr<std::unique_ptr<OpKernel>> CreateAdagrad(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateMomentum(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateAdam(const KernelInfo& info);

}  // namespace berth
