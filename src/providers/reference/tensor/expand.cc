// Expand: broadcasts the input to the shape given as an int64 input (numpy rules in both
// directions: a 1 in `shape` keeps the input's dimension). Any element type.

#include "engine/shape_util.h"
#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class ExpandKernel : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* data, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* shape_t, ctx.RequireInput(1));
    if (shape_t->rank() != 1) {
      return InvalidArgument(ctx.NodeLabel() + ": input 'shape' must be 1-D, got " +
                             shape_t->Describe());
    }
    ASSIGN_OR_RETURN(std::vector<int64_t> shape,
                     tensor_ops::ReadInt64s(*shape_t, ctx.NodeLabel(), "input 'shape'"));
    for (int64_t d : shape) {
      if (d < 0)
        return InvalidArgument(ctx.NodeLabel() + ": input 'shape' " + ShapeToString(shape) +
                               " has a negative dimension");
    }
    ASSIGN_OR_RETURN(Shape out_shape, BroadcastShapes(data->shape(), shape, ctx.NodeLabel()));
    RETURN_IF_ERROR(tensor_ops::CheckShape(out_shape, data->dtype(), ctx.NodeLabel()));
    Tensor* out = ctx.AllocateOutput(0, data->dtype(), out_shape);
    tensor_ops::StridedCopy(*data, 0, BroadcastStrides(data->shape(), out_shape), out_shape, *out);
    return Status::Ok();
  }
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateExpand(const KernelInfo& info) {
  return MakeKernel<ExpandKernel>();
}

}  // namespace berth
