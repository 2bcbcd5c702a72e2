// Tile (opset 6+): repeats the input repeats[i] times along each axis i. The output, viewed as
// [r0, d0, r1, d1, ...], is a broadcast of the input, so this is one strided copy. Any element
// type.

#include "engine/shape_util.h"
#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class TileKernel : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* data, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* repeats_t, ctx.RequireInput(1));
    ASSIGN_OR_RETURN(std::vector<int64_t> repeats,
                     tensor_ops::ReadInt64s(*repeats_t, ctx.NodeLabel(), "input 'repeats'"));
    const int rank = data->rank();
    if (repeats_t->rank() != 1 || static_cast<int>(repeats.size()) != rank) {
      return InvalidArgument(ctx.NodeLabel() + ": input 'repeats' " + repeats_t->Describe() +
                             " must be 1-D with one entry per dimension of input " +
                             data->Describe());
    }
    const std::vector<int64_t> in_strides = StridesOf(data->shape());
    Shape out_shape(static_cast<size_t>(rank));
    Shape view_shape;
    std::vector<int64_t> view_strides;
    for (size_t i = 0; i < repeats.size(); ++i) {
      if (repeats[i] < 0) {
        return InvalidArgument(ctx.NodeLabel() + ": input 'repeats' " + ShapeToString(repeats) +
                               " has a negative entry");
      }
      if (__builtin_mul_overflow(data->shape()[i], repeats[i], &out_shape[i])) {
        return InvalidArgument(ctx.NodeLabel() + ": input 'repeats' " + ShapeToString(repeats) +
                               " is too large");
      }
      view_shape.push_back(repeats[i]);
      view_strides.push_back(0);
      view_shape.push_back(data->shape()[i]);
      view_strides.push_back(in_strides[i]);
    }
    RETURN_IF_ERROR(tensor_ops::CheckShape(out_shape, data->dtype(), ctx.NodeLabel()));
    Tensor* out = ctx.AllocateOutput(0, data->dtype(), out_shape);
    tensor_ops::StridedCopy(*data, 0, view_strides, view_shape, *out);
    return Status::Ok();
  }
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateTile(const KernelInfo& info) {
  return MakeKernel<TileKernel>();
}

}  // namespace berth
