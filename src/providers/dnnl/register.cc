#include "providers/dnnl/register.h"

namespace berth {

void RegisterDnnlKernels(KernelRegistry& registry) {
  std::string previous = registry.provider();
  registry.set_provider("dnnl");
  RegisterDnnlConvKernels(registry);
  RegisterDnnlDenseKernels(registry);
  registry.set_provider(previous);
}

}  // namespace berth
