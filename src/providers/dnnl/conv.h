#pragma once
// oneDNN convolution kernels: ai.onnx Conv, com.berth FusedConv (Conv + residual sum + activation as
// post-ops) and com.berth BlockedConv (the same on nChw16c-blocked tensors, see blocked_layout_pass.h).

#include <memory>

#include "berth/status.h"
#include "engine/kernel.h"

namespace berth::dnnl_provider {

StatusOr<std::unique_ptr<OpKernel>> CreateConv(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateFusedConv(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateBlockedConv(const KernelInfo& info);

}  // namespace berth::dnnl_provider
