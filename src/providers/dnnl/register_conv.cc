// The oneDNN provider's convolution family: Conv, ConvTranspose, the com.berth fused and blocked-layout ops, pooling,
// BatchNormalization. Each factory declines the nodes it does not handle (the reference runs them).
#include "providers/dnnl/batch_norm.h"
#include "providers/dnnl/blocked_ops.h"
#include "providers/dnnl/conv.h"
#include "providers/dnnl/conv_transpose.h"
#include "providers/dnnl/pool.h"
#include "providers/dnnl/register.h"

namespace berth {

void RegisterDnnlConvKernels(KernelRegistry& registry) {
  using namespace dnnl_provider;
  registry.Register("", "Conv", CreateConv, 1);
  registry.Register("com.berth", "FusedConv", CreateFusedConv, 1);
  registry.Register("com.berth", "BlockedConv", CreateBlockedConv, 1);
  registry.Register("", "ConvTranspose", CreateConvTranspose, 1);

  registry.Register("", "MaxPool", CreateMaxPool, 1);
  registry.Register("", "AveragePool", CreateAveragePool, 1);
  registry.Register("", "GlobalAveragePool", CreateGlobalAveragePool, 1);
  registry.Register("", "GlobalMaxPool", CreateGlobalMaxPool, 1);
  registry.Register("com.berth", "BlockedMaxPool", CreateBlockedMaxPool, 1);
  registry.Register("com.berth", "BlockedAveragePool", CreateBlockedAveragePool, 1);
  registry.Register("com.berth", "BlockedGlobalAveragePool", CreateBlockedGlobalAveragePool, 1);
  registry.Register("com.berth", "BlockedGlobalMaxPool", CreateBlockedGlobalMaxPool, 1);
  registry.Register("", "BatchNormalization", CreateBatchNormalization, 6);
  registry.Register("com.berth", "ReorderToBlocked", CreateReorderToBlocked, 1);
  registry.Register("com.berth", "ReorderFromBlocked", CreateReorderFromBlocked, 1);
}

}  // namespace berth
