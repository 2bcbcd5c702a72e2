// Concat: joins tensors of equal rank along `axis` (required from opset 4, default 1 before;
// negative from 11). Inputs may be empty along the axis. Any element type.

#include "engine/shape_util.h"
#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class ConcatKernel : public OpKernel {
 public:
  explicit ConcatKernel(int64_t axis) : axis_(axis) {}

  Status Compute(KernelContext& ctx) const override {
    std::vector<const Tensor*> inputs;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      ASSIGN_OR_RETURN(const Tensor* t, ctx.RequireInput(i));
      inputs.push_back(t);
    }
    if (inputs.empty()) return InvalidArgument(ctx.NodeLabel() + ": needs at least one input");
    const Tensor& first = *inputs[0];
    const int rank = first.rank();
    if (rank == 0) return InvalidArgument(ctx.NodeLabel() + ": cannot concatenate scalars");
    ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_, rank, ctx.NodeLabel()));
    Shape out_shape = first.shape();
    out_shape[static_cast<size_t>(axis)] = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Tensor& t = *inputs[i];
      bool ok = t.dtype() == first.dtype() && t.rank() == rank;
      for (int d = 0; ok && d < rank; ++d) ok = d == axis || t.dim(d) == first.dim(d);
      if (!ok) {
        return InvalidArgument(ctx.NodeLabel() + ": input " + std::to_string(i) + " " +
                               t.Describe() + " does not match input 0 " + first.Describe() +
                               " outside axis " + std::to_string(axis));
      }
      out_shape[static_cast<size_t>(axis)] += t.dim(axis);
    }
    Tensor* out = ctx.AllocateOutput(0, first.dtype(), out_shape);
    const int64_t outer = tensor_ops::ShapeProduct(out_shape, 0, axis);
    const int64_t inner = tensor_ops::ShapeProduct(out_shape, axis + 1, rank);
    const int64_t out_row = out_shape[static_cast<size_t>(axis)] * inner;
    int64_t column = 0;  // where this input's block starts within an output row
    for (const Tensor* t : inputs) {
      const int64_t block = t->dim(axis) * inner;
      for (int64_t o = 0; o < outer; ++o)
        tensor_ops::CopyElements(*t, o * block, *out, o * out_row + column, block);
      column += block;
    }
    return Status::Ok();
  }

 private:
  int64_t axis_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateConcat(const KernelInfo& info) {
  if (info.opset() >= 4 && !info.HasAttribute("axis")) {
    return InvalidArgument(info.NodeLabel() + ": attribute 'axis' is required");
  }
  return MakeKernel<ConcatKernel>(info.GetInt("axis", 1));
}

}  // namespace berth
