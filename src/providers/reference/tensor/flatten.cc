// Flatten: a 2-D view [prod(shape[:axis]), prod(shape[axis:])]; axis in [-rank, rank] (negative
// from opset 11).

#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class FlattenKernel : public OpKernel {
 public:
  explicit FlattenKernel(int64_t axis) : axis_(axis) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* data, ctx.RequireInput(0));
    const int rank = data->rank();
    if (axis_ < -rank || axis_ > rank) {
      return InvalidArgument(ctx.NodeLabel() + ": axis " + std::to_string(axis_) +
                             " is out of range for input " + data->Describe());
    }
    const int axis = static_cast<int>(axis_ < 0 ? axis_ + rank : axis_);
    Shape out = {tensor_ops::ShapeProduct(data->shape(), 0, axis),
                 tensor_ops::ShapeProduct(data->shape(), axis, rank)};
    ctx.SetOutput(0, data->Reshaped(std::move(out)));
    return Status::Ok();
  }

 private:
  int64_t axis_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateFlatten(const KernelInfo& info) {
  return MakeKernel<FlattenKernel>(info.GetInt("axis", 1));
}

}  // namespace berth
