// GroupNormalization (opset 18; registered for every opset): the C channels of X [N, C, D1, ...]
// are split into num_groups groups, each (n, group) normalised by its mean and (biased) variance,
// then scaled and shifted. scale/bias have one value per group (opset 18) or per channel (opset
// 21); the element count tells which.

#include <cmath>
#include <vector>

#include "engine/dispatch.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {
namespace {

class GroupNormKernel : public OpKernel {
 public:
  GroupNormKernel(int64_t num_groups, float epsilon) : num_groups_(num_groups), epsilon_(epsilon) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* scale_t, ctx.RequireInput(1));
    ASSIGN_OR_RETURN(const Tensor* bias_t, ctx.RequireInput(2));
    if (x->rank() < 2) {
      return InvalidArgument(where + ": input 0 ('X') must have shape [N, C, ...], got " +
                             ShapeToString(x->shape()));
    }
    const int64_t channels = x->dim(1);
    if (channels % num_groups_ != 0) {
      return InvalidArgument(
          where + ": " + std::to_string(channels) +
          " channels are not divisible by num_groups=" + std::to_string(num_groups_));
    }
    for (const Tensor* p : {scale_t, bias_t}) {
      if (!IsFloatingPoint(p->dtype()) || (p->numel() != num_groups_ && p->numel() != channels)) {
        return InvalidArgument(where + ": scale and bias must have num_groups (" +
                               std::to_string(num_groups_) + ") or C (" + std::to_string(channels) +
                               ") elements, got " + p->Describe());
      }
    }
    const int64_t per_group = channels / num_groups_;
    const int64_t spatial = SizeFromTo(x->shape(), 2, x->rank());
    const int64_t group_size = per_group * spatial;
    std::vector<double> scale = ToDoubles(*scale_t);
    std::vector<double> bias = ToDoubles(*bias_t);
    auto param = [&](const std::vector<double>& v, int64_t c) {
      return static_cast<int64_t>(v.size()) == channels ? v[c] : v[c / per_group];
    };
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), x->shape());
    return VisitType(
        x->dtype(), kFloatTypes,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (kIsFloat<T>) {
            using C = ComputeT<T>;
            const T* xd = x->data<T>();
            T* yd = y->data<T>();
            for (int64_t n = 0; n < x->dim(0); ++n) {
              for (int64_t g = 0; g < num_groups_; ++g) {
                const int64_t base = (n * channels + g * per_group) * spatial;
                double mean, var;
                MeanAndVariance(xd + base, group_size, &mean, &var);
                const double inv = 1.0 / std::sqrt(var + epsilon_);
                for (int64_t c = g * per_group; c < (g + 1) * per_group; ++c) {
                  const double a = param(scale, c) * inv;
                  const double b = param(bias, c) - mean * a;
                  const int64_t off = (n * channels + c) * spatial;
                  for (int64_t i = 0; i < spatial; ++i) {
                    yd[off + i] = static_cast<T>(
                        static_cast<C>(static_cast<double>(static_cast<C>(xd[off + i])) * a + b));
                  }
                }
              }
            }
          }
          return Status::Ok();
        },
        where);
  }

 private:
  int64_t num_groups_;
  float epsilon_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateGroupNormalization(const KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t num_groups, info.RequireInt("num_groups"));
  if (num_groups <= 0) {
    return InvalidArgument(info.NodeLabel() + ": num_groups must be positive, got " +
                           std::to_string(num_groups));
  }
  return MakeKernel<GroupNormKernel>(num_groups, info.GetFloat("epsilon", 1e-5f));
}

}  // namespace berth::nn
