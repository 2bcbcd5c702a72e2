#pragma once
// Berth's own fused operators (domain "com.berth", opset 1), emitted by the graph optimizer
// (src/engine/optimizer/) and implemented by every provider. This comment is the contract.
//
// Activation attributes, shared by FusedConv, FusedMatMul and FusedGemm:
//   activation         string; "" (none) or one of "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh",
//                      "HardSigmoid", "HardSwish"; FusedMatMul and FusedGemm also "Gelu" (erf form)
//                      and "GeluTanh" (tanh approximation); any of them also "Swish"
//                      (SiLU: x * sigmoid(x), i.e. ai.onnx Mul(X, Sigmoid(X)); the optimizer
//                      emits it for FusedConv). Semantics as the ai.onnx operators.
//   activation_params  floats; LeakyRelu [alpha], Clip [min, max], HardSigmoid [alpha, beta];
//                      absent/empty for the others. Missing values take the ai.onnx defaults
//                      (alpha 0.01; min -inf, max +inf; alpha 0.2, beta 0.5).
//
// FusedConv(X, W, B?, Z?) -> Y
//   Every ai.onnx Conv attribute (auto_pad, dilations, group, kernel_shape, pads, strides) plus the
//   activation attributes. Y = activation(Conv(X, W, B) + Z); Z (the residual) has exactly Y's
//   shape. B may be omitted ("") while Z is given.
// FusedMatMul(A, B, Bias?) -> Y
//   Y = activation(MatMul(A, B) + Bias), numpy MatMul semantics with A and B of rank >= 2; Bias is
//   1-D of size N (B's last dimension) and is added along Y's last axis.
// FusedGemm(A, B, C?) -> Y
//   ai.onnx Gemm attributes (alpha, beta, transA, transB) plus the activation attributes:
//   Y = activation(Gemm(A, B, C)).
// Gelu(X) -> Y
//   attribute approximate: "none" (default) Y = 0.5 x (1 + erf(x / sqrt 2)), or "tanh"
//   Y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). Same as ai.onnx Gelu-20.
// LayerNormalization(X, Scale, B?) -> Y
//   ai.onnx LayerNormalization-17 semantics (attributes axis default -1, epsilon default 1e-5),
//   output Y only. Scale and B vary only over the normalised axes [axis, rank).
//
// The optimizer emits these for float32 values only. The reference kernels below compute exactly
// the unfused sequence of reference kernels (same code paths, same rounding), so they are the
// oracle the optimized providers are tested against.

#include <memory>

#include "engine/kernel.h"

namespace berth::fused {

inline constexpr const char* kDomain = "com.berth";

StatusOr<std::unique_ptr<OpKernel>> CreateFusedConv(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateFusedMatMul(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateFusedGemm(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateGelu(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateLayerNormalization(const KernelInfo& info);

}  // namespace berth::fused
