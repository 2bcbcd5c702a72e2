#pragma once
// Layout conversions at the boundaries of blocked chains (see blocked_layout_pass.h):
//   com.berth ReorderToBlocked(X [N, C, H, W] float32) -> [N, ceil(C/16), H, W, 16] (nChw16c, padding 0)
//   com.berth ReorderFromBlocked(X [N, ceil(C/16), H, W, 16]; int channels = C) -> [N, C, H, W]

#include <memory>

#include "berth/status.h"
#include "engine/kernel.h"

namespace berth::dnnl_provider {

StatusOr<std::unique_ptr<OpKernel>> CreateReorderToBlocked(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateReorderFromBlocked(const KernelInfo& info);

}  // namespace berth::dnnl_provider
