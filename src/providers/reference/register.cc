#include "providers/reference/register.h"

namespace berth {

void RegisterReferenceKernels(KernelRegistry& registry) {
  RegisterMathKernels(registry);
  RegisterTensorKernels(registry);
  RegisterNnKernels(registry);
  RegisterRecurrentKernels(registry);
  RegisterReductionKernels(registry);
  RegisterControlFlowKernels(registry);
  RegisterMiscKernels(registry);
  RegisterTrainingKernels(registry);
  RegisterFusedKernels(registry);
}

}  // namespace berth
