// ConstantOfShape (opset 9): a tensor of the shape given by the int64 input, every element equal to
// the one-element `value` attribute (default float32 0). An empty shape gives a scalar.

#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class ConstantOfShapeKernel : public OpKernel {
 public:
  explicit ConstantOfShapeKernel(Tensor value) : value_(std::move(value)) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* shape_t, ctx.RequireInput(0));
    if (shape_t->rank() != 1) {
      return InvalidArgument(ctx.NodeLabel() + ": input 'shape' must be 1-D, got " +
                             shape_t->Describe());
    }
    ASSIGN_OR_RETURN(Shape shape,
                     tensor_ops::ReadInt64s(*shape_t, ctx.NodeLabel(), "input 'shape'"));
    RETURN_IF_ERROR(tensor_ops::CheckShape(shape, value_.dtype(), ctx.NodeLabel()));
    Tensor* out = ctx.AllocateOutput(0, value_.dtype(), shape);
    return tensor_ops::VisitElementBits(
        value_.dtype(),
        [&](auto tag) -> Status {
          using E = typename decltype(tag)::type;
          const E v = value_.data<E>()[0];
          E* o = out->data<E>();
          for (int64_t i = 0; i < out->numel(); ++i) o[i] = v;
          return Status::Ok();
        },
        ctx.NodeLabel());
  }

 private:
  Tensor value_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateConstantOfShape(const KernelInfo& info) {
  Tensor value = Tensor::Scalar<float>(0.0f);
  if (info.HasAttribute("value")) {
    ASSIGN_OR_RETURN(value, info.RequireTensor("value"));
    if (value.numel() != 1) {
      return InvalidArgument(info.NodeLabel() + ": attribute 'value' must have one element, got " +
                             value.Describe());
    }
  }
  return MakeKernel<ConstantOfShapeKernel>(std::move(value));
}

}  // namespace berth
