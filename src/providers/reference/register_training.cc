#include "providers/reference/register.h"
#include "providers/reference/training/optimizers.h"

namespace berth {

void RegisterTrainingKernels(KernelRegistry& registry) {
  registry.Register("ai.onnx.preview.training", "Adagrad", CreateAdagrad);
  registry.Register("ai.onnx.preview.training", "Momentum", CreateMomentum);
  registry.Register("ai.onnx.preview.training", "Adam", CreateAdam);
}

}  // namespace berth
