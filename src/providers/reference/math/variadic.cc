// Variadic element-wise operators with numpy broadcasting over all inputs: Max, Min, Sum, Mean.
//
// The inputs are folded one at a time into an accumulator of the output's shape (float for 16-bit
// floats, so that Sum and Mean do not round after every input). Max and Min propagate NaN like
// numpy.

#include <string>
#include <vector>

#include "engine/shape_util.h"
#include "providers/reference/math/elementwise.h"
#include "providers/reference/math/math_kernels.h"

namespace berth::math {

namespace {

struct MaxOp {
  template <typename V>
  V operator()(V a, V b) const {
    if constexpr (std::is_floating_point_v<V>) {
      return (a > b || a != a) ? a : b;
    } else {
      return a > b ? a : b;
    }
  }
};

struct MinOp {
  template <typename V>
  V operator()(V a, V b) const {
    if constexpr (std::is_floating_point_v<V>) {
      return (a < b || a != a) ? a : b;
    } else {
      return a < b ? a : b;
    }
  }
};

struct SumOp {
  template <typename V>
  V operator()(V a, V b) const {
    if constexpr (std::is_integral_v<V>) {
      return WrapAdd(a, b);
    } else {
      return a + b;
    }
  }
};

template <typename Types, typename Op, bool kMean = false>
class VariadicKernel final : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    std::vector<const Tensor*> inputs;
    std::vector<Shape> shapes;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const Tensor* t = ctx.input(i);
      if (!t) {
        return InvalidArgument(ctx.NodeLabel() + ": input " + std::to_string(i) +
                               " is missing or not a tensor");
      }
      if (!inputs.empty()) RETURN_IF_ERROR(RequireSameType(ctx, *inputs[0], *t));
      inputs.push_back(t);
      shapes.push_back(t->shape());
    }
    if (inputs.empty()) return InvalidArgument(ctx.NodeLabel() + ": needs at least one input");
    ASSIGN_OR_RETURN(Shape out_shape, BroadcastShapes(shapes, ctx.NodeLabel()));

    return VisitOf<Types>(
        inputs[0]->dtype(),
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          using C = ComputeT<T>;
          Tensor* out = ctx.AllocateOutput(0, inputs[0]->dtype(), out_shape);
          const int64_t n = out->numel();
          if (n == 0) return Status::Ok();
          std::vector<C> scratch;
          C* acc;
          if constexpr (std::is_same_v<C, T>) {
            acc = out->data<T>();
          } else {
            scratch.resize(static_cast<size_t>(n));
            acc = scratch.data();
          }
          for (size_t k = 0; k < inputs.size(); ++k) {
            ASSIGN_OR_RETURN(BroadcastPlan plan,
                             BroadcastPlan::Create({out_shape, shapes[k]}, ctx.NodeLabel()));
            const T* in = inputs[k]->data<T>();
            if (k == 0) {
              BinaryLoop(plan, acc, in, acc, [](auto, auto b) { return b; });
            } else {
              BinaryLoop(plan, acc, in, acc, Op{});
            }
          }
          if constexpr (kMean) {
            const C count = static_cast<C>(inputs.size());
            for (int64_t i = 0; i < n; ++i) acc[i] = static_cast<C>(acc[i] / count);
          }
          if constexpr (!std::is_same_v<C, T>) {
            T* o = out->data<T>();
            for (int64_t i = 0; i < n; ++i) o[i] = Store<T>(acc[i]);
          }
          return Status::Ok();
        },
        ctx.NodeLabel());
  }
};

}  // namespace

KernelOr CreateMax(const KernelInfo&) { return MakeKernel<VariadicKernel<NumericTypes, MaxOp>>(); }
KernelOr CreateMin(const KernelInfo&) { return MakeKernel<VariadicKernel<NumericTypes, MinOp>>(); }
KernelOr CreateSum(const KernelInfo&) { return MakeKernel<VariadicKernel<NumericTypes, SumOp>>(); }
KernelOr CreateMean(const KernelInfo&) {
  return MakeKernel<VariadicKernel<FloatTypes, SumOp, true>>();
}

}  // namespace berth::math
