// Gather: out[o, i..., r] = data[o, indices[i...], r] along `axis`. Indices are int32/int64;
// negative ones count from the end; out-of-range ones are an error. Any element type.

#include "engine/shape_util.h"
#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class GatherKernel : public OpKernel {
 public:
  explicit GatherKernel(int64_t axis) : axis_(axis) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* data, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* indices_t, ctx.RequireInput(1));
    const int rank = data->rank();
    if (rank == 0) return InvalidArgument(ctx.NodeLabel() + ": input 'data' must have rank >= 1");
    ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_, rank, ctx.NodeLabel()));
    ASSIGN_OR_RETURN(std::vector<int64_t> indices,
                     tensor_ops::ReadInt64s(*indices_t, ctx.NodeLabel(), "input 'indices'"));
    const int64_t dim = data->dim(axis);
    for (int64_t& idx : indices) {
      if (idx < -dim || idx >= dim) {
        return InvalidArgument(ctx.NodeLabel() + ": index " + std::to_string(idx) +
                               " is out of range for axis " + std::to_string(axis) + " of input " +
                               data->Describe());
      }
      if (idx < 0) idx += dim;
    }
    Shape out_shape(data->shape().begin(), data->shape().begin() + axis);
    out_shape.insert(out_shape.end(), indices_t->shape().begin(), indices_t->shape().end());
    out_shape.insert(out_shape.end(), data->shape().begin() + axis + 1, data->shape().end());
    Tensor* out = ctx.AllocateOutput(0, data->dtype(), out_shape);
    const int64_t outer = tensor_ops::ShapeProduct(data->shape(), 0, axis);
    const int64_t inner = tensor_ops::ShapeProduct(data->shape(), axis + 1, rank);
    const int64_t n = static_cast<int64_t>(indices.size());
    int64_t dst = 0;
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < n; ++i) {
        tensor_ops::CopyElements(*data, (o * dim + indices[static_cast<size_t>(i)]) * inner, *out,
                                 dst, inner);
        dst += inner;
      }
    }
    return Status::Ok();
  }

 private:
  int64_t axis_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateGather(const KernelInfo& info) {
  return MakeKernel<GatherKernel>(info.GetInt("axis", 0));
}

}  // namespace berth
