#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/register.h"

namespace berth {

// Opset ranges start where the operator's current semantics begin (or where older versions
// are a subset of them); kernels branch on info.opset() for the remaining differences.
void RegisterNnKernels(KernelRegistry& registry) {
  // Matrix products.
  registry.Register("", "MatMul", nn::CreateMatMul, 1);
  registry.Register("", "Gemm", nn::CreateGemm, 1);
  registry.Register("", "MatMulInteger", nn::CreateMatMulInteger, 10);

  // Convolution.
  registry.Register("", "Conv", nn::CreateConv, 1);
  registry.Register("", "ConvInteger", nn::CreateConvInteger, 10);
  registry.Register("", "ConvTranspose", nn::CreateConvTranspose, 1);

  // Pooling.
  registry.Register("", "MaxPool", nn::CreateMaxPool, 1);
  registry.Register("", "AveragePool", nn::CreateAveragePool, 1);
  registry.Register("", "LpPool", nn::CreateLpPool, 1);
  registry.Register("", "GlobalAveragePool", nn::CreateGlobalAveragePool, 1);
  registry.Register("", "GlobalMaxPool", nn::CreateGlobalMaxPool, 1);
  registry.Register("", "GlobalLpPool", nn::CreateGlobalLpPool, 1);
  registry.Register("", "MaxUnpool", nn::CreateMaxUnpool, 9);

  // Normalisation.
  registry.Register("", "BatchNormalization", nn::CreateBatchNormalization, 6);
  registry.Register("", "InstanceNormalization", nn::CreateInstanceNormalization, 1);
  registry.Register("", "LayerNormalization", nn::CreateLayerNormalization, 1);
  registry.Register("", "GroupNormalization", nn::CreateGroupNormalization, 1);
  registry.Register("", "LRN", nn::CreateLRN, 1);
  registry.Register("", "MeanVarianceNormalization", nn::CreateMeanVarianceNormalization, 9);

  // Softmax family.
  registry.Register("", "Softmax", nn::CreateSoftmax, 1);
  registry.Register("", "LogSoftmax", nn::CreateLogSoftmax, 1);
  registry.Register("", "NegativeLogLikelihoodLoss", nn::CreateNegativeLogLikelihoodLoss, 12);
  registry.Register("", "Hardmax", nn::CreateHardmax, 1);

  // Resampling.
  registry.Register("", "Resize", nn::CreateResize, 10);
  registry.Register("", "Upsample", nn::CreateUpsample, 7, 10);
  registry.Register("", "GridSample", nn::CreateGridSample, 16);
  registry.Register("", "RoiAlign", nn::CreateRoiAlign, 10);

  // Einstein summation.
  registry.Register("", "Einsum", nn::CreateEinsum, 12);
}

}  // namespace berth
