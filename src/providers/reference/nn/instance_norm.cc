// InstanceNormalization (opsets 1-6+): each (n, c) plane of X [N, C, D1, ...] is normalised by its
// own mean and (biased) variance, then scaled and shifted per channel:
// Y = scale[c] * (X - mean) / sqrt(var + epsilon) + B[c].

#include <cmath>
#include <vector>

#include "engine/dispatch.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {
namespace {

class InstanceNormKernel : public OpKernel {
 public:
  explicit InstanceNormKernel(float epsilon) : epsilon_(epsilon) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* scale_t, ctx.RequireInput(1));
    ASSIGN_OR_RETURN(const Tensor* bias_t, ctx.RequireInput(2));
    if (x->rank() < 2) {
      return InvalidArgument(where + ": input 0 ('input') must have shape [N, C, ...], got " +
                             ShapeToString(x->shape()));
    }
    const int64_t channels = x->dim(1);
    if (scale_t->numel() != channels || bias_t->numel() != channels ||
        scale_t->dtype() != x->dtype() || bias_t->dtype() != x->dtype()) {
      return InvalidArgument(where + ": scale and B must be " +
                             std::string(DataTypeName(x->dtype())) + " tensors of " +
                             std::to_string(channels) + " elements, got " + scale_t->Describe() +
                             " and " + bias_t->Describe());
    }
    const int64_t planes = x->dim(0) * channels;
    const int64_t size = SizeFromTo(x->shape(), 2, x->rank());
    std::vector<double> scale = ToDoubles(*scale_t);
    std::vector<double> bias = ToDoubles(*bias_t);
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), x->shape());
    return VisitType(
        x->dtype(), kFloatTypes,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (kIsFloat<T>) {
            using C = ComputeT<T>;
            const T* xd = x->data<T>();
            T* yd = y->data<T>();
            for (int64_t p = 0; p < planes; ++p) {
              const T* xp = xd + p * size;
              T* yp = yd + p * size;
              double mean, var;
              MeanAndVariance(xp, size, &mean, &var);
              const int64_t c = p % channels;
              const double a = scale[c] / std::sqrt(var + epsilon_);
              const C ca = static_cast<C>(a);
              const C cb = static_cast<C>(bias[c] - mean * a);
              for (int64_t i = 0; i < size; ++i)
                yp[i] = static_cast<T>(static_cast<C>(xp[i]) * ca + cb);
            }
          }
          return Status::Ok();
        },
        where);
  }

 private:
  float epsilon_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateInstanceNormalization(const KernelInfo& info) {
  return MakeKernel<InstanceNormKernel>(info.GetFloat("epsilon", 1e-5f));
}

}  // namespace berth::nn
