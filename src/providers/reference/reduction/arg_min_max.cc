// ArgMax / ArgMin: int64 index of the largest / smallest element along `axis`.
// Ties go to the first occurrence, or to the last with select_last_index (opset 12+). Like numpy,
// a NaN counts as the extreme value (the first NaN wins, or the last with select_last_index).

#include <cmath>
#include <type_traits>

#include "engine/dispatch.h"
#include "engine/shape_util.h"
#include "providers/reference/reduction/reduction_kernels.h"
#include "providers/reference/reduction/reduction_util.h"

namespace berth {
namespace {

class ArgMinMaxKernel final : public OpKernel {
 public:
  ArgMinMaxKernel(bool is_max, int64_t axis, bool keepdims, bool select_last_index)
      : is_max_(is_max), axis_(axis), keepdims_(keepdims), select_last_index_(select_last_index) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    if (x->rank() == 0) {
      return InvalidArgument(ctx.NodeLabel() + ": input must have rank >= 1, got a scalar");
    }
    ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_, x->rank(), ctx.NodeLabel()));
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= x->dim(d);
    for (int d = axis + 1; d < x->rank(); ++d) inner *= x->dim(d);
    const int64_t n = x->dim(axis);
    Shape out_shape = x->shape();
    if (keepdims_) {
      out_shape[static_cast<size_t>(axis)] = 1;
    } else {
      out_shape.erase(out_shape.begin() + axis);
    }
    if (n == 0 && outer * inner > 0) {
      return InvalidArgument(ctx.NodeLabel() + ": cannot take the arg" + (is_max_ ? "max" : "min") +
                             " over an empty axis " + std::to_string(axis) + " of input " +
                             x->Describe());
    }
    Tensor* y = ctx.AllocateOutput(0, DataType::kInt64, out_shape);
    int64_t* out = y->data<int64_t>();
    return VisitType(
        x->dtype(), kAllNumeric,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (!reduction::kIsNumeric<T>) {
            return Internal(ctx.NodeLabel() + ": unexpected element type");
          } else {
            using C = ComputeT<T>;
            const T* in = x->data<T>();
            const bool last = select_last_index_;
            // Whether candidate v (later index) replaces the current best b.
            auto better = [&](C v, C b) {
              if constexpr (std::is_floating_point_v<C>) {
                if (std::isnan(b)) return last && std::isnan(v);
                if (std::isnan(v)) return true;
              }
              if (is_max_) return last ? v >= b : v > b;
              return last ? v <= b : v < b;
            };
            for (int64_t o = 0; o < outer; ++o) {
              for (int64_t i = 0; i < inner; ++i) {
                const T* p = in + o * n * inner + i;
                C best = static_cast<C>(p[0]);
                int64_t best_index = 0;
                for (int64_t k = 1; k < n; ++k) {
                  C v = static_cast<C>(p[k * inner]);
                  if (better(v, best)) {
                    best = v;
                    best_index = k;
                  }
                }
                out[o * inner + i] = best_index;
              }
            }
            return Status::Ok();
          }
        },
        ctx.NodeLabel());
  }

 private:
  bool is_max_;
  int64_t axis_;
  bool keepdims_;
  bool select_last_index_;
};

StatusOr<std::unique_ptr<OpKernel>> CreateArgMinMax(const KernelInfo& info, bool is_max) {
  return MakeKernel<ArgMinMaxKernel>(is_max, info.GetInt("axis", 0),
                                     info.GetInt("keepdims", 1) != 0,
                                     info.GetInt("select_last_index", 0) != 0);
}

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateArgMax(const KernelInfo& info) {
  return CreateArgMinMax(info, true);
}
StatusOr<std::unique_ptr<OpKernel>> CreateArgMin(const KernelInfo& info) {
  return CreateArgMinMax(info, false);
}

}  // namespace berth
