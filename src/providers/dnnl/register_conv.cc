#include "providers/dnnl/register.h"

namespace berth {

void RegisterDnnlConvKernels(KernelRegistry& registry) {
  (void)registry;
}

}  // namespace berth
