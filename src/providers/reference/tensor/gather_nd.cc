// GatherND: gathers slices of `data` addressed by the tuples in the last dimension of `indices`,
// with the first `batch_dims` dimensions (opset 12) shared between data and indices. Negative
// indices count from the end. Any element type.

#include <algorithm>

#include "engine/shape_util.h"
#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class GatherNDKernel : public OpKernel {
 public:
  explicit GatherNDKernel(int64_t batch_dims) : batch_dims_(batch_dims) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string& where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* data, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* indices_t, ctx.RequireInput(1));
    const int r = data->rank(), q = indices_t->rank();
    if (r < 1 || q < 1)
      return InvalidArgument(where + ": inputs 'data' and 'indices' must have rank >= 1");
    if (batch_dims_ < 0 || batch_dims_ >= std::min(r, q)) {
      return InvalidArgument(where + ": batch_dims " + std::to_string(batch_dims_) +
                             " must be less than the ranks of " + data->Describe() + " and " +
                             indices_t->Describe());
    }
    const int b = static_cast<int>(batch_dims_);
    const int64_t k = indices_t->dim(q - 1);
    if (k < 0 || k > r - b) {
      return InvalidArgument(where + ": the last dimension of input 'indices' " +
                             indices_t->Describe() + " addresses more than the " +
                             std::to_string(r - b) + " dimensions of input 'data' " +
                             data->Describe());
    }
    for (int d = 0; d < b; ++d) {
      if (data->dim(d) != indices_t->dim(d)) {
        return InvalidArgument(where + ": batch dimension " + std::to_string(d) +
                               " differs between " + data->Describe() + " and " +
                               indices_t->Describe());
      }
    }
    ASSIGN_OR_RETURN(std::vector<int64_t> indices,
                     tensor_ops::ReadInt64s(*indices_t, where, "input 'indices'"));
    Shape out_shape(indices_t->shape().begin(), indices_t->shape().end() - 1);
    out_shape.insert(out_shape.end(), data->shape().begin() + b + k, data->shape().end());
    Tensor* out = ctx.AllocateOutput(0, data->dtype(), out_shape);

    const std::vector<int64_t> strides = StridesOf(data->shape());
    const int64_t batches = tensor_ops::ShapeProduct(data->shape(), 0, b);
    const int64_t batch_stride = tensor_ops::ShapeProduct(data->shape(), b, r);
    const int64_t tuples = tensor_ops::ShapeProduct(indices_t->shape(), b, q - 1);
    const int64_t slice = tensor_ops::ShapeProduct(data->shape(), b + static_cast<int>(k), r);
    for (int64_t bi = 0; bi < batches; ++bi) {
      for (int64_t j = 0; j < tuples; ++j) {
        const int64_t* tuple = indices.data() + (bi * tuples + j) * k;
        int64_t offset = bi * batch_stride;
        for (int64_t t = 0; t < k; ++t) {
          const int axis = b + static_cast<int>(t);
          const int64_t dim = data->dim(axis);
          int64_t idx = tuple[t];
          if (idx < -dim || idx >= dim) {
            return InvalidArgument(where + ": index " + std::to_string(idx) +
                                   " is out of range for axis " + std::to_string(axis) +
                                   " of input " + data->Describe());
          }
          if (idx < 0) idx += dim;
          offset += idx * strides[static_cast<size_t>(axis)];
        }
        tensor_ops::CopyElements(*data, offset, *out, (bi * tuples + j) * slice, slice);
      }
    }
    return Status::Ok();
  }

 private:
  int64_t batch_dims_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateGatherND(const KernelInfo& info) {
  return MakeKernel<GatherNDKernel>(info.GetInt("batch_dims", 0));
}

}  // namespace berth
