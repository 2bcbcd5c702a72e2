#include "providers/reference/fused/fused_ops.h"
#include "providers/reference/register.h"

namespace berth {

// Berth's own fused operators (domain com.berth), emitted by the graph optimizer; the contract is
// in providers/reference/fused/fused_ops.h.
void RegisterFusedKernels(KernelRegistry& registry) {
  registry.Register(fused::kDomain, "FusedConv", fused::CreateFusedConv);
  registry.Register(fused::kDomain, "FusedMatMul", fused::CreateFusedMatMul);
  registry.Register(fused::kDomain, "FusedGemm", fused::CreateFusedGemm);
  registry.Register(fused::kDomain, "Gelu", fused::CreateGelu);
  registry.Register(fused::kDomain, "LayerNormalization", fused::CreateLayerNormalization);
}

}  // namespace berth
