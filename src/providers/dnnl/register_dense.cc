#include "providers/dnnl/register.h"

namespace berth {

void RegisterDnnlDenseKernels(KernelRegistry& registry) {
  (void)registry;
}

}  // namespace berth
