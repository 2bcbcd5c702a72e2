// RandomNormal and RandomNormalLike (opset 1+): samples from N(mean, scale^2). RandomNormal takes
// its shape from the `shape` attribute; RandomNormalLike from its input (whose type is the default
// output type). Output types: float16, float, double, bfloat16. See random_util.h for seeding.

#include <cmath>

#include "providers/reference/misc/misc_kernels.h"
#include "providers/reference/misc/random_util.h"

namespace berth {
namespace {

StatusOr<std::unique_ptr<OpKernel>> Create(const KernelInfo& info, bool like_input) {
  const double mean = info.GetFloat("mean", 0.0f);
  const double scale = info.GetFloat("scale", 1.0f);
  if (!(scale >= 0) || !std::isfinite(mean) || !std::isfinite(scale)) {
    return InvalidArgument(info.NodeLabel() +
                           ": need a finite mean and a finite scale >= 0 (got " +
                           std::to_string(mean) + ", " + std::to_string(scale) + ")");
  }
  ASSIGN_OR_RETURN(misc::RandomOutputSpec spec, misc::RandomOutputSpec::Read(info, like_input));
  // std::normal_distribution requires a positive deviation; scale 0 gives the mean everywhere.
  auto sampler = [dist = std::normal_distribution<double>(mean, scale > 0 ? scale : 1.0), mean,
                  scale](misc::RandomEngine& engine) mutable {
    return scale > 0 ? dist(engine) : mean;
  };
  return MakeKernel<misc::RandomFillKernel<decltype(sampler)>>(std::move(spec), sampler);
}

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateRandomNormal(const KernelInfo& info) {
  return Create(info, false);
}
StatusOr<std::unique_ptr<OpKernel>> CreateRandomNormalLike(const KernelInfo& info) {
  return Create(info, true);
}

}  // namespace berth
