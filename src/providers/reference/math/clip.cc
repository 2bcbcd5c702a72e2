// Clip: limits every element to [min, max].
//
// Before opset 11 the bounds are float attributes (defaults: the float range); from opset 11 they
// are optional scalar inputs of the input's type (absent: unbounded). When min > max every element
// becomes max, as the spec says. NaN stays NaN.

#include <limits>
#include <string>

#include "providers/reference/math/elementwise.h"
#include "providers/reference/math/math_kernels.h"

namespace berth::math {

namespace {

class ClipKernel final : public OpKernel {
 public:
  // Attribute form (opset < 11) when `from_attributes`.
  ClipKernel(bool from_attributes, float min, float max)
      : from_attributes_(from_attributes), min_(min), max_(max) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    return VisitOf<NumericTypes>(
        x->dtype(),
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          using C = ComputeT<T>;
          C lo = std::numeric_limits<C>::has_infinity ? -std::numeric_limits<C>::infinity()
                                                      : std::numeric_limits<C>::lowest();
          C hi = std::numeric_limits<C>::has_infinity ? std::numeric_limits<C>::infinity()
                                                      : std::numeric_limits<C>::max();
          if (from_attributes_) {
            lo = Store<C>(min_);
            hi = Store<C>(max_);
          } else {
            RETURN_IF_ERROR(ReadBound<T>(ctx, 1, "min", lo));
            RETURN_IF_ERROR(ReadBound<T>(ctx, 2, "max", hi));
          }
          Tensor* y = ctx.AllocateOutput(0, x->dtype(), x->shape());
          UnaryLoop(x->data<T>(), y->data<T>(), x->numel(), [lo, hi](C v) {
            if (v < lo) v = lo;
            if (v > hi) v = hi;
            return v;
          });
          return Status::Ok();
        },
        ctx.NodeLabel());
  }

 private:
  // Reads optional bound input i (a one-element tensor of type T) into `bound` if present.
  template <typename T>
  static Status ReadBound(const KernelContext& ctx, int i, const char* name, ComputeT<T>& bound) {
    const Tensor* t = ctx.input(i);
    if (!t) return Status::Ok();
    if (t->dtype() != DataTypeOf<T>::value) {
      return InvalidArgument(ctx.NodeLabel() + ": input '" + name + "' has type " +
                             std::string(DataTypeName(t->dtype())) + " but the input is " +
                             std::string(DataTypeName(DataTypeOf<T>::value)));
    }
    if (t->numel() != 1) {
      return InvalidArgument(ctx.NodeLabel() + ": input '" + name +
                             "' must be a scalar, got shape " + ShapeToString(t->shape()));
    }
    bound = Load(t->data<T>()[0]);
    return Status::Ok();
  }

  bool from_attributes_;
  float min_;
  float max_;
};

}  // namespace

KernelOr CreateClip(const KernelInfo& info) {
  if (info.opset() < 11) {
    return MakeKernel<ClipKernel>(true, info.GetFloat("min", std::numeric_limits<float>::lowest()),
                                  info.GetFloat("max", std::numeric_limits<float>::max()));
  }
  return MakeKernel<ClipKernel>(false, 0.0f, 0.0f);
}

}  // namespace berth::math
