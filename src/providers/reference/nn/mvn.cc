// MeanVarianceNormalization (opsets 9, 13): Y = (X - mean) / (sqrt(var) + 1e-9), with mean and
// (biased) variance taken over `axes` (default [0, 2, 3]), as in the operator's function body.

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/dispatch.h"
#include "engine/shape_util.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {
namespace {

class MvnKernel : public OpKernel {
 public:
  explicit MvnKernel(std::vector<int64_t> axes) : axes_(std::move(axes)) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    const int rank = x->rank();
    std::vector<bool> reduced(static_cast<size_t>(rank), false);
    for (int64_t a : axes_) {
      ASSIGN_OR_RETURN(int axis, NormalizeAxis(a, rank, where));
      reduced[axis] = true;
    }
    // Strides into the per-group statistics (0 along reduced axes).
    Shape kept = x->shape();
    for (int d = 0; d < rank; ++d)
      if (reduced[d]) kept[d] = 1;
    const std::vector<int64_t> kept_strides = BroadcastStrides(kept, x->shape());
    const int64_t groups = NumElements(kept);
    const int64_t total = x->numel();
    const double count = groups ? static_cast<double>(total) / static_cast<double>(groups) : 0.0;
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), x->shape());
    if (total == 0) return Status::Ok();

    // Group index of every element, computed once (an odometer over X's shape).
    std::vector<int64_t> group_of(static_cast<size_t>(total));
    {
      std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
      int64_t off = 0;
      for (int64_t i = 0; i < total; ++i) {
        group_of[static_cast<size_t>(i)] = off;
        for (int d = rank - 1; d >= 0; --d) {
          ++idx[d];
          off += kept_strides[d];
          if (idx[d] < x->dim(d)) break;
          off -= kept_strides[d] * idx[d];
          idx[d] = 0;
        }
      }
    }
    return VisitType(
        x->dtype(), kFloatTypes,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (kIsFloat<T>) {
            using C = ComputeT<T>;
            const T* xd = x->data<T>();
            T* yd = y->data<T>();
            std::vector<double> mean(static_cast<size_t>(groups), 0.0),
                var(static_cast<size_t>(groups), 0.0);
            for (int64_t i = 0; i < total; ++i)
              mean[group_of[i]] += static_cast<double>(static_cast<C>(xd[i]));
            for (double& m : mean) m /= count;
            for (int64_t i = 0; i < total; ++i) {
              const double d = static_cast<double>(static_cast<C>(xd[i])) - mean[group_of[i]];
              var[group_of[i]] += d * d;
            }
            for (double& v : var) v = std::sqrt(v / count) + 1e-9;
            for (int64_t i = 0; i < total; ++i) {
              const int64_t g = group_of[i];
              yd[i] = static_cast<T>(
                  static_cast<C>((static_cast<double>(static_cast<C>(xd[i])) - mean[g]) / var[g]));
            }
          }
          return Status::Ok();
        },
        where);
  }

 private:
  std::vector<int64_t> axes_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateMeanVarianceNormalization(const KernelInfo& info) {
  return MakeKernel<MvnKernel>(info.GetInts("axes", {0, 2, 3}));
}

}  // namespace berth::nn
