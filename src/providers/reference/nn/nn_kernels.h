#pragma once
// Factories of the reference provider's nn family (ai.onnx): matrix products, convolution,
// pooling, normalisation, softmax, resizing and sampling. Registered in register_nn.cc.

#include <memory>

#include "engine/kernel.h"

namespace berth::nn {

// Matrix products (matmul.cc, gemm.cc, matmul_integer.cc).
StatusOr<std::unique_ptr<OpKernel>> CreateMatMul(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateGemm(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateMatMulInteger(const KernelInfo& info);

// Convolution (conv.cc, conv_integer.cc, conv_transpose.cc).
StatusOr<std::unique_ptr<OpKernel>> CreateConv(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateConvInteger(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateConvTranspose(const KernelInfo& info);

// Pooling (pool.cc, global_pool.cc, max_unpool.cc).
StatusOr<std::unique_ptr<OpKernel>> CreateMaxPool(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateAveragePool(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateLpPool(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateGlobalAveragePool(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateGlobalMaxPool(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateGlobalLpPool(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateMaxUnpool(const KernelInfo& info);

// Normalisation (batch_norm.cc, instance_norm.cc, layer_norm.cc, group_norm.cc, lrn.cc, mvn.cc).
StatusOr<std::unique_ptr<OpKernel>> CreateBatchNormalization(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateInstanceNormalization(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateLayerNormalization(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateGroupNormalization(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateLRN(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateMeanVarianceNormalization(const KernelInfo& info);

// Softmax family (softmax.cc).
StatusOr<std::unique_ptr<OpKernel>> CreateSoftmax(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateLogSoftmax(const KernelInfo& info);

// NegativeLogLikelihoodLoss (nll_loss.cc).
StatusOr<std::unique_ptr<OpKernel>> CreateNegativeLogLikelihoodLoss(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateHardmax(const KernelInfo& info);

// Resampling (resize.cc, grid_sample.cc, roi_align.cc).
StatusOr<std::unique_ptr<OpKernel>> CreateResize(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateUpsample(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateGridSample(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateRoiAlign(const KernelInfo& info);

// Einstein summation (einsum.cc).
StatusOr<std::unique_ptr<OpKernel>> CreateEinsum(const KernelInfo& info);

}  // namespace berth::nn
