// GlobalAveragePool, GlobalMaxPool and GlobalLpPool: pool each (n, c) plane of X [N, C, D1, ...]
// to a single value; the output keeps the rank with every spatial dimension 1.

#include <cmath>
#include <limits>

#include "engine/dispatch.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {
namespace {

enum class GlobalKind { kAverage, kMax, kLp };

class GlobalPoolKernel : public OpKernel {
 public:
  GlobalPoolKernel(GlobalKind kind, float p) : kind_(kind), p_(p) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    if (x->rank() < 2) {
      return InvalidArgument(where + ": input 0 ('X') must have shape [N, C, D1, ...], got " +
                             ShapeToString(x->shape()));
    }
    Shape out_shape = x->shape();
    for (size_t i = 2; i < out_shape.size(); ++i) out_shape[i] = 1;
    const int64_t planes = x->dim(0) * x->dim(1);
    const int64_t plane_size = SizeFromTo(x->shape(), 2, x->rank());
    if (plane_size == 0 && planes > 0 && kind_ == GlobalKind::kMax) {
      return InvalidArgument(where + ": cannot take the maximum of empty planes of " +
                             ShapeToString(x->shape()));
    }
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), out_shape);
    return VisitType(
        x->dtype(), kFloatTypes,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (kIsFloat<T>) {
            using C = ComputeT<T>;
            using Acc = std::conditional_t<std::is_same_v<C, double>, double, float>;
            const T* xd = x->data<T>();
            T* yd = y->data<T>();
            for (int64_t p = 0; p < planes; ++p) {
              const T* xp = xd + p * plane_size;
              Acc r = 0;
              switch (kind_) {
                case GlobalKind::kAverage:
                  for (int64_t i = 0; i < plane_size; ++i) r += static_cast<Acc>(xp[i]);
                  r = plane_size ? r / static_cast<Acc>(plane_size) : Acc(0);
                  break;
                case GlobalKind::kMax:
                  r = -std::numeric_limits<Acc>::infinity();
                  for (int64_t i = 0; i < plane_size; ++i) r = std::max(r, static_cast<Acc>(xp[i]));
                  break;
                case GlobalKind::kLp: {
                  const Acc pw = static_cast<Acc>(p_);
                  for (int64_t i = 0; i < plane_size; ++i) {
                    r += std::pow(std::fabs(static_cast<Acc>(xp[i])), pw);
                  }
                  r = std::pow(r, Acc(1) / pw);
                  break;
                }
              }
              yd[p] = static_cast<T>(r);
            }
          }
          return Status::Ok();
        },
        where);
  }

 private:
  GlobalKind kind_;
  float p_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateGlobalAveragePool(const KernelInfo& info) {
  return MakeKernel<GlobalPoolKernel>(GlobalKind::kAverage, 0.0f);
}
StatusOr<std::unique_ptr<OpKernel>> CreateGlobalMaxPool(const KernelInfo& info) {
  return MakeKernel<GlobalPoolKernel>(GlobalKind::kMax, 0.0f);
}
StatusOr<std::unique_ptr<OpKernel>> CreateGlobalLpPool(const KernelInfo& info) {
  float p = 2.0f;
  const Attribute* a = info.GetAttribute("p");  // float in GlobalLpPool-1, int from 2
  if (a && a->type == Attribute::Type::kFloat) p = a->f;
  if (a && a->type == Attribute::Type::kInt) p = static_cast<float>(a->i);
  if (!(p > 0)) return InvalidArgument(info.NodeLabel() + ": p must be positive");
  return MakeKernel<GlobalPoolKernel>(GlobalKind::kLp, p);
}

}  // namespace berth::nn
