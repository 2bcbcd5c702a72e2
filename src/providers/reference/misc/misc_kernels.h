#pragma once
// Factories of the reference provider's "misc" family: quantization, signal processing, text,
// object detection and random generation. Registered in providers/reference/register_misc.cc.

#include "engine/kernel.h"

namespace berth {

// Quantization.
StatusOr<std::unique_ptr<OpKernel>> CreateQuantizeLinear(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateDequantizeLinear(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateDynamicQuantizeLinear(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateQLinearMatMul(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateQLinearConv(const KernelInfo& info);

// Signal processing.
StatusOr<std::unique_ptr<OpKernel>> CreateDft(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateStft(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateHannWindow(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateHammingWindow(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateBlackmanWindow(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateMelWeightMatrix(const KernelInfo& info);

// Text.
StatusOr<std::unique_ptr<OpKernel>> CreateStringNormalizer(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateTfIdfVectorizer(const KernelInfo& info);

// Object detection.
StatusOr<std::unique_ptr<OpKernel>> CreateNonMaxSuppression(const KernelInfo& info);

// Random generation.
StatusOr<std::unique_ptr<OpKernel>> CreateRandomUniform(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateRandomUniformLike(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateRandomNormal(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateRandomNormalLike(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateBernoulli(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateMultinomial(const KernelInfo& info);

}  // namespace berth
