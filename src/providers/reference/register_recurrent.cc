#include "providers/reference/recurrent/recurrent_kernels.h"
#include "providers/reference/register.h"

namespace berth {

// One registration per operator: the kernels read `layout` only from opset 14 on.
void RegisterRecurrentKernels(KernelRegistry& registry) {
  registry.Register("", "RNN", CreateRnn);
  registry.Register("", "GRU", CreateGru);
  registry.Register("", "LSTM", CreateLstm);
}

}  // namespace berth
