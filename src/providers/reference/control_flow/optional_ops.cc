// Optional operators: wrap a value as an optional, test it, unwrap it.
#include "providers/reference/control_flow/control_flow.h"

namespace berth {

namespace {

class OptionalKernel final : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    const Value* v = ctx.input_value(0);
    ctx.SetOutput(0, v ? *v : Value());
    return Status::Ok();
  }
};

class OptionalHasElementKernel final : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    const Value* v = ctx.input_value(0);
    ctx.SetOutput(0, Tensor::Scalar<bool>(v != nullptr && !v->is_empty()));
    return Status::Ok();
  }
};

class OptionalGetElementKernel final : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    const Value* v = ctx.input_value(0);
    if (!v || v->is_empty()) return InvalidArgument(ctx.NodeLabel() + ": the optional input has no value");
    ctx.SetOutput(0, *v);
    return Status::Ok();
  }
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateOptional(const KernelInfo&) { return MakeKernel<OptionalKernel>(); }
StatusOr<std::unique_ptr<OpKernel>> CreateOptionalHasElement(const KernelInfo&) { return MakeKernel<OptionalHasElementKernel>(); }
StatusOr<std::unique_ptr<OpKernel>> CreateOptionalGetElement(const KernelInfo&) { return MakeKernel<OptionalGetElementKernel>(); }

}  // namespace berth
