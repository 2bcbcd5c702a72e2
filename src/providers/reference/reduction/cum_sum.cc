// CumSum (opset 11+): running sum along the axis given by the second input (an int32/int64
// scalar or 1-element tensor). `exclusive` leaves the current element out of its own sum;
// `reverse` runs from the end. Floats accumulate in double; integers wrap like the element type.

#include <type_traits>

#include "engine/dispatch.h"
#include "engine/shape_util.h"
#include "providers/reference/reduction/reduction_kernels.h"
#include "providers/reference/reduction/reduction_util.h"

namespace berth {
namespace {

class CumSumKernel final : public OpKernel {
 public:
  CumSumKernel(bool exclusive, bool reverse) : exclusive_(exclusive), reverse_(reverse) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* axis_input, ctx.RequireInput(1));
    ASSIGN_OR_RETURN(std::vector<int64_t> axis_values,
                     reduction::ReadIntValues(*axis_input, "axis", ctx.NodeLabel()));
    if (axis_values.size() != 1 || axis_input->rank() > 1) {
      return InvalidArgument(ctx.NodeLabel() + ": input 'axis' must hold a single value, got " +
                             axis_input->Describe());
    }
    if (x->rank() == 0) {
      return InvalidArgument(ctx.NodeLabel() + ": input must have rank >= 1, got a scalar");
    }
    ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_values[0], x->rank(), ctx.NodeLabel()));
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= x->dim(d);
    for (int d = axis + 1; d < x->rank(); ++d) inner *= x->dim(d);
    const int64_t n = x->dim(axis);
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), x->shape());

    return VisitType(
        x->dtype(), kAllNumeric,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (!reduction::kIsNumeric<T>) {
            return Internal(ctx.NodeLabel() + ": unexpected element type");
          } else {
            using C = ComputeT<T>;
            constexpr bool kFloat = std::is_floating_point_v<C>;
            using Acc = std::conditional_t<kFloat, double, uint64_t>;
            auto to_acc = [](T v) -> Acc {
              if constexpr (kFloat) {
                return static_cast<double>(static_cast<C>(v));
              } else {
                return static_cast<uint64_t>(v);
              }
            };
            auto from_acc = [](Acc a) -> T {
              if constexpr (kFloat) {
                return reduction::FromDouble<T>(a);
              } else {
                return static_cast<T>(a);
              }
            };
            const T* in = x->data<T>();
            T* out = y->data<T>();
            std::vector<Acc> acc(static_cast<size_t>(inner));
            for (int64_t o = 0; o < outer; ++o) {
              std::fill(acc.begin(), acc.end(), Acc(0));
              for (int64_t step = 0; step < n; ++step) {
                const int64_t k = reverse_ ? n - 1 - step : step;
                const T* p = in + (o * n + k) * inner;
                T* q = out + (o * n + k) * inner;
                for (int64_t i = 0; i < inner; ++i) {
                  const Acc v = to_acc(p[i]);
                  if (exclusive_) {
                    q[i] = from_acc(acc[i]);
                    acc[i] += v;
                  } else {
                    acc[i] += v;
                    q[i] = from_acc(acc[i]);
                  }
                }
              }
            }
            return Status::Ok();
          }
        },
        ctx.NodeLabel());
  }

 private:
  bool exclusive_;
  bool reverse_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateCumSum(const KernelInfo& info) {
  return MakeKernel<CumSumKernel>(info.GetInt("exclusive", 0) != 0, info.GetInt("reverse", 0) != 0);
}

}  // namespace berth
