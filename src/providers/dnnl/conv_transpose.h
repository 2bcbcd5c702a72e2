#pragma once
// oneDNN ConvTranspose (deconvolution): 2-D float32 with explicit pads (or VALID), strides,
// dilations, groups and output_padding. output_shape, SAME_* auto_pad and everything oneDNN cannot
// express run on the reference kernel.

#include <memory>

#include "berth/status.h"
#include "engine/kernel.h"

namespace berth::dnnl_provider {

StatusOr<std::unique_ptr<OpKernel>> CreateConvTranspose(const KernelInfo& info);

}  // namespace berth::dnnl_provider
