#include "providers/reference/reduction/reduction_kernels.h"
#include "providers/reference/register.h"

namespace berth {

// Each kernel accepts every opset form of its operator (attribute or input axes / k), so one
// registration covers the whole range.
void RegisterReductionKernels(KernelRegistry& registry) {
  registry.Register("", "ReduceSum", CreateReduceSum);
  registry.Register("", "ReduceMean", CreateReduceMean);
  registry.Register("", "ReduceMax", CreateReduceMax);
  registry.Register("", "ReduceMin", CreateReduceMin);
  registry.Register("", "ReduceProd", CreateReduceProd);
  registry.Register("", "ReduceL1", CreateReduceL1);
  registry.Register("", "ReduceL2", CreateReduceL2);
  registry.Register("", "ReduceLogSum", CreateReduceLogSum);
  registry.Register("", "ReduceLogSumExp", CreateReduceLogSumExp);
  registry.Register("", "ReduceSumSquare", CreateReduceSumSquare);
  registry.Register("", "ArgMax", CreateArgMax);
  registry.Register("", "ArgMin", CreateArgMin);
  registry.Register("", "TopK", CreateTopK);
  registry.Register("", "CumSum", CreateCumSum, 11);
  registry.Register("", "Det", CreateDet, 11);
}

}  // namespace berth
