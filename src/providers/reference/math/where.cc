// Where: out = condition ? X : Y, with numpy broadcasting over all three inputs.
//
// Selection only copies elements, so the kernel is instantiated per element size (and once for
// strings) rather than per type.

#include <string>

#include "providers/reference/math/elementwise.h"
#include "providers/reference/math/math_kernels.h"

namespace berth::math {

namespace {

class WhereKernel final : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* cond, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(1));
    ASSIGN_OR_RETURN(const Tensor* y, ctx.RequireInput(2));
    if (cond->dtype() != DataType::kBool) {
      return InvalidArgument(ctx.NodeLabel() + ": condition must be bool, got " +
                             std::string(DataTypeName(cond->dtype())));
    }
    RETURN_IF_ERROR(RequireSameType(ctx, *x, *y));
    ASSIGN_OR_RETURN(
        BroadcastPlan plan,
        BroadcastPlan::Create({cond->shape(), x->shape(), y->shape()}, ctx.NodeLabel()));
    const DataType dtype = x->dtype();
    if (dtype == DataType::kString) return Select<std::string>(ctx, plan, *cond, *x, *y);
    switch (DataTypeSize(dtype)) {
      case 1:
        return Select<uint8_t>(ctx, plan, *cond, *x, *y);
      case 2:
        return Select<uint16_t>(ctx, plan, *cond, *x, *y);
      case 4:
        return Select<uint32_t>(ctx, plan, *cond, *x, *y);
      case 8:
        return Select<uint64_t>(ctx, plan, *cond, *x, *y);
      default:
        return UnsupportedType(dtype, ctx.NodeLabel());
    }
  }

 private:
  // E is a type of the element's size (or std::string); elements are copied, never interpreted.
  template <typename E>
  static Status Select(KernelContext& ctx, const BroadcastPlan& plan, const Tensor& cond,
                       const Tensor& x, const Tensor& y) {
    Tensor* out = ctx.AllocateOutput(0, x.dtype(), plan.out_shape());
    const bool* c = cond.data<bool>();
    const E* px_base = static_cast<const E*>(x.raw_data());
    const E* py_base = static_cast<const E*>(y.raw_data());
    E* po_base = static_cast<E*>(out->raw_data());
    const int64_t n = plan.inner();
    const int64_t sc = plan.step(0), sx = plan.step(1), sy = plan.step(2);
    plan.ForEachRun([&](int64_t o, const int64_t* off) {
      const bool* pc = c + off[0];
      const E* px = px_base + off[1];
      const E* py = py_base + off[2];
      E* po = po_base + o;
      if (sc && sx && sy) {
        for (int64_t i = 0; i < n; ++i) po[i] = pc[i] ? px[i] : py[i];
      } else {
        for (int64_t i = 0; i < n; ++i) po[i] = pc[i * sc] ? px[i * sx] : py[i * sy];
      }
    });
    return Status::Ok();
  }
};

}  // namespace

KernelOr CreateWhere(const KernelInfo&) { return MakeKernel<WhereKernel>(); }

}  // namespace berth::math
