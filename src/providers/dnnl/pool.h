#pragma once
// oneDNN pooling kernels: MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool (2-D float32; other
// cases run on the reference kernel) and their com.berth Blocked* forms on nChw16c tensors.

#include <memory>

#include "berth/status.h"
#include "engine/kernel.h"

namespace berth::dnnl_provider {

StatusOr<std::unique_ptr<OpKernel>> CreateMaxPool(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateAveragePool(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateGlobalAveragePool(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateGlobalMaxPool(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateBlockedMaxPool(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateBlockedAveragePool(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateBlockedGlobalAveragePool(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateBlockedGlobalMaxPool(const KernelInfo& info);

}  // namespace berth::dnnl_provider
