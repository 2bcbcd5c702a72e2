// ScatterND: out = data, then the slice of out addressed by each tuple in the last dimension of
// `indices` is replaced by (or with opset 16/18 `reduction`, combined with) the matching slice of
// `updates`. Negative indices count from the end.

#include "engine/shape_util.h"
#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

using tensor_ops::ScatterReduction;

class ScatterNDKernel : public OpKernel {
 public:
  explicit ScatterNDKernel(ScatterReduction reduction) : reduction_(reduction) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string& where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* data, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* indices_t, ctx.RequireInput(1));
    ASSIGN_OR_RETURN(const Tensor* updates, ctx.RequireInput(2));
    const int r = data->rank(), q = indices_t->rank();
    if (r < 1 || q < 1)
      return InvalidArgument(where + ": inputs 'data' and 'indices' must have rank >= 1");
    const int64_t k = indices_t->dim(q - 1);
    if (k < 0 || k > r) {
      return InvalidArgument(where + ": the last dimension of input 'indices' " +
                             indices_t->Describe() + " exceeds the rank of input 'data' " +
                             data->Describe());
    }
    Shape expected(indices_t->shape().begin(), indices_t->shape().end() - 1);
    expected.insert(expected.end(), data->shape().begin() + k, data->shape().end());
    if (updates->shape() != expected || updates->dtype() != data->dtype()) {
      return InvalidArgument(where + ": input 'updates' " + updates->Describe() + " must be " +
                             std::string(DataTypeName(data->dtype())) + ShapeToString(expected));
    }
    ASSIGN_OR_RETURN(std::vector<int64_t> indices,
                     tensor_ops::ReadInt64s(*indices_t, where, "input 'indices'"));
    const std::vector<int64_t> strides = StridesOf(data->shape());
    const int64_t tuples = tensor_ops::ShapeProduct(indices_t->shape(), 0, q - 1);
    const int64_t slice = tensor_ops::ShapeProduct(data->shape(), static_cast<int>(k), r);
    std::vector<int64_t> offsets(static_cast<size_t>(tuples));
    for (int64_t j = 0; j < tuples; ++j) {
      int64_t offset = 0;
      for (int64_t t = 0; t < k; ++t) {
        const int axis = static_cast<int>(t);
        const int64_t dim = data->dim(axis);
        int64_t idx = indices[static_cast<size_t>(j * k + t)];
        if (idx < -dim || idx >= dim) {
          return InvalidArgument(where + ": index " + std::to_string(idx) +
                                 " is out of range for axis " + std::to_string(axis) +
                                 " of input " + data->Describe());
        }
        if (idx < 0) idx += dim;
        offset += idx * strides[static_cast<size_t>(axis)];
      }
      offsets[static_cast<size_t>(j)] = offset;
    }
    Tensor* out = ctx.AllocateOutput(0, data->dtype(), data->shape());
    tensor_ops::CopyElements(*data, 0, *out, 0, data->numel());
    return tensor_ops::ScatterInto(*out, offsets, *updates, slice, reduction_, where);
  }

 private:
  ScatterReduction reduction_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateScatterND(const KernelInfo& info) {
  ASSIGN_OR_RETURN(
      ScatterReduction reduction,
      tensor_ops::ParseScatterReduction(info.GetString("reduction", "none"), info.NodeLabel()));
  return MakeKernel<ScatterNDKernel>(reduction);
}

}  // namespace berth
