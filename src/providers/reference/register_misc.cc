#include "providers/reference/misc/misc_kernels.h"
#include "providers/reference/register.h"

namespace berth {

// Opset ranges: first = the version that introduced the operator (or the oldest we support), last =
// the newest version whose semantics the kernel implements (INT_MAX where later versions only add
// element types).
void RegisterMiscKernels(KernelRegistry& registry) {
  // Quantization.
  registry.Register("", "QuantizeLinear", CreateQuantizeLinear, 10, 20);
  registry.Register("", "DequantizeLinear", CreateDequantizeLinear, 10, 20);
  registry.Register("", "DynamicQuantizeLinear", CreateDynamicQuantizeLinear, 11);
  registry.Register("", "QLinearMatMul", CreateQLinearMatMul, 10);
  registry.Register("", "QLinearConv", CreateQLinearConv, 10);

  // Signal processing.
  registry.Register("", "DFT", CreateDft, 17);
  registry.Register("", "STFT", CreateStft, 17);
  registry.Register("", "HannWindow", CreateHannWindow, 17);
  registry.Register("", "HammingWindow", CreateHammingWindow, 17);
  registry.Register("", "BlackmanWindow", CreateBlackmanWindow, 17);
  registry.Register("", "MelWeightMatrix", CreateMelWeightMatrix, 17);

  // Text.
  registry.Register("", "StringNormalizer", CreateStringNormalizer, 10);
  registry.Register("", "TfIdfVectorizer", CreateTfIdfVectorizer, 9);

  // Object detection.
  registry.Register("", "NonMaxSuppression", CreateNonMaxSuppression, 10);

  // Random generation.
  registry.Register("", "RandomUniform", CreateRandomUniform, 1);
  registry.Register("", "RandomUniformLike", CreateRandomUniformLike, 1);
  registry.Register("", "RandomNormal", CreateRandomNormal, 1);
  registry.Register("", "RandomNormalLike", CreateRandomNormalLike, 1);
  registry.Register("", "Bernoulli", CreateBernoulli, 15);
  registry.Register("", "Multinomial", CreateMultinomial, 7);
}

}  // namespace berth
