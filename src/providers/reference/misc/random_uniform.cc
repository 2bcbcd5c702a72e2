// RandomUniform and RandomUniformLike (opset 1+): samples from U[low, high). RandomUniform takes
// its shape from the `shape` attribute; RandomUniformLike from its input (whose type is the default
// output type). Output types: float16, float, double, bfloat16. See random_util.h for seeding.

#include <cmath>

#include "providers/reference/misc/misc_kernels.h"
#include "providers/reference/misc/random_util.h"

namespace berth {
namespace {

StatusOr<std::unique_ptr<OpKernel>> Create(const KernelInfo& info, bool like_input) {
  const double low = info.GetFloat("low", 0.0f);
  const double high = info.GetFloat("high", 1.0f);
  if (!(low <= high) || !std::isfinite(low) || !std::isfinite(high)) {
    return InvalidArgument(info.NodeLabel() + ": need finite low <= high (got " +
                           std::to_string(low) + ", " + std::to_string(high) + ")");
  }
  ASSIGN_OR_RETURN(misc::RandomOutputSpec spec, misc::RandomOutputSpec::Read(info, like_input));
  return MakeKernel<misc::RandomFillKernel<std::uniform_real_distribution<double>>>(
      std::move(spec), std::uniform_real_distribution<double>(low, high));
}

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateRandomUniform(const KernelInfo& info) {
  return Create(info, false);
}
StatusOr<std::unique_ptr<OpKernel>> CreateRandomUniformLike(const KernelInfo& info) {
  return Create(info, true);
}

}  // namespace berth
