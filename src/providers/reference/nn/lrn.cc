// LRN (opsets 1-13+): local response normalisation across channels of X [N, C, D1, ...]:
// Y = X / (bias + alpha / size * sum of X^2 over channels [c - floor((size-1)/2), c +
// ceil((size-1)/2)])^beta.

#include <cmath>
#include <vector>

#include "engine/dispatch.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {
namespace {

class LrnKernel : public OpKernel {
 public:
  LrnKernel(int64_t size, float alpha, float beta, float bias)
      : size_(size), alpha_(alpha), beta_(beta), bias_(bias) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    if (x->rank() < 2) {
      return InvalidArgument(where + ": input 0 ('X') must have shape [N, C, ...], got " +
                             ShapeToString(x->shape()));
    }
    const int64_t batch = x->dim(0);
    const int64_t channels = x->dim(1);
    const int64_t spatial = SizeFromTo(x->shape(), 2, x->rank());
    const int64_t before = (size_ - 1) / 2;
    const int64_t after = size_ - 1 - before;
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), x->shape());
    return VisitType(
        x->dtype(), kFloatTypes,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (kIsFloat<T>) {
            using C = ComputeT<T>;
            const T* xd = x->data<T>();
            T* yd = y->data<T>();
            std::vector<double> sq(static_cast<size_t>(spatial));
            const double scale = static_cast<double>(alpha_) / static_cast<double>(size_);
            for (int64_t n = 0; n < batch; ++n) {
              const T* xn = xd + n * channels * spatial;
              T* yn = yd + n * channels * spatial;
              for (int64_t c = 0; c < channels; ++c) {
                std::fill(sq.begin(), sq.end(), 0.0);
                const int64_t lo = std::max<int64_t>(0, c - before);
                const int64_t hi = std::min<int64_t>(channels - 1, c + after);
                for (int64_t i = lo; i <= hi; ++i) {
                  const T* xi = xn + i * spatial;
                  for (int64_t s = 0; s < spatial; ++s) {
                    const double v = static_cast<double>(static_cast<C>(xi[s]));
                    sq[s] += v * v;
                  }
                }
                for (int64_t s = 0; s < spatial; ++s) {
                  const double v = static_cast<double>(static_cast<C>(xn[c * spatial + s]));
                  yn[c * spatial + s] =
                      static_cast<T>(static_cast<C>(v / std::pow(bias_ + scale * sq[s], beta_)));
                }
              }
            }
          }
          return Status::Ok();
        },
        where);
  }

 private:
  int64_t size_;
  float alpha_, beta_, bias_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateLRN(const KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t size, info.RequireInt("size"));
  if (size <= 0)
    return InvalidArgument(info.NodeLabel() + ": size must be positive, got " +
                           std::to_string(size));
  return MakeKernel<LrnKernel>(size, info.GetFloat("alpha", 1e-4f), info.GetFloat("beta", 0.75f),
                               info.GetFloat("bias", 1.0f));
}

}  // namespace berth::nn
