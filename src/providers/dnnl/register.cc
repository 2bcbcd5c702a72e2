#include "providers/dnnl/register.h"

namespace berth {

void RegisterDnnlKernels(KernelRegistry& registry) {
  RegisterDnnlConvKernels(registry);
  RegisterDnnlDenseKernels(registry);
}

}  // namespace berth
