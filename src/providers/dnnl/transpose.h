#pragma once
// Transpose on oneDNN's reorder: the input is described with permuted strides and reordered into a
// plain output (jit:uni reorder, parallel), instead of the reference kernel's element loop.

#include "engine/kernel.h"

namespace berth::dnnl_dense {

StatusOr<std::unique_ptr<OpKernel>> CreateTranspose(const KernelInfo& info);

}  // namespace berth::dnnl_dense
