#pragma once
// oneDNN BatchNormalization, inference form only (running statistics; float32, rank 2-5). Training
// mode, the statistics outputs and opset 6-8's spatial=0 are declined (the reference runs them).

#include <memory>

#include "berth/status.h"
#include "engine/kernel.h"

namespace berth::dnnl_provider {

StatusOr<std::unique_ptr<OpKernel>> CreateBatchNormalization(const KernelInfo& info);

}  // namespace berth::dnnl_provider
