// ScatterElements (and the deprecated Scatter, opsets 9-10): out = data, then
// out[i with i[axis] replaced by indices[i]] = updates[i] for every element of indices, combined by
// `reduction` (add/mul from opset 16, max/min from 18). Negative indices count from the end. Any
// element type without a reduction; numeric and bool with one.

#include "engine/shape_util.h"
#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

using tensor_ops::ScatterReduction;

class ScatterElementsKernel : public OpKernel {
 public:
  ScatterElementsKernel(int64_t axis, ScatterReduction reduction)
      : axis_(axis), reduction_(reduction) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string& where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* data, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* indices_t, ctx.RequireInput(1));
    ASSIGN_OR_RETURN(const Tensor* updates, ctx.RequireInput(2));
    const int rank = data->rank();
    if (rank == 0 || indices_t->rank() != rank) {
      return InvalidArgument(where + ": input 'indices' " + indices_t->Describe() +
                             " must have the rank of input 'data' " + data->Describe() + " (>= 1)");
    }
    if (updates->shape() != indices_t->shape() || updates->dtype() != data->dtype()) {
      return InvalidArgument(where + ": input 'updates' " + updates->Describe() +
                             " must have the shape of 'indices' " + indices_t->Describe() +
                             " and the type of 'data' " + data->Describe());
    }
    ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_, rank, where));
    for (int k = 0; k < rank; ++k) {
      if (k != axis && indices_t->dim(k) > data->dim(k)) {
        return InvalidArgument(where + ": input 'indices' " + indices_t->Describe() +
                               " is larger than input 'data' " + data->Describe() + " on axis " +
                               std::to_string(k));
      }
    }
    ASSIGN_OR_RETURN(std::vector<int64_t> indices,
                     tensor_ops::ReadInt64s(*indices_t, where, "input 'indices'"));
    const std::vector<int64_t> strides = StridesOf(data->shape());
    const int64_t dim = data->dim(axis);
    const int64_t axis_stride = strides[static_cast<size_t>(axis)];
    // Turn each index into the flat offset of the element it updates.
    std::vector<int64_t> offsets(indices.size());
    std::vector<int64_t> pos(static_cast<size_t>(rank), 0);
    int64_t base = 0;
    for (size_t i = 0; i < indices.size(); ++i) {
      int64_t idx = indices[i];
      if (idx < -dim || idx >= dim) {
        return InvalidArgument(where + ": index " + std::to_string(idx) +
                               " is out of range for axis " + std::to_string(axis) + " of input " +
                               data->Describe());
      }
      if (idx < 0) idx += dim;
      offsets[i] = base + idx * axis_stride;
      for (int k = rank - 1; k >= 0; --k) {
        size_t uk = static_cast<size_t>(k);
        const int64_t stride = k == axis ? 0 : strides[uk];
        base += stride;
        if (++pos[uk] < indices_t->dim(k)) break;
        base -= stride * indices_t->dim(k);
        pos[uk] = 0;
      }
    }
    Tensor* out = ctx.AllocateOutput(0, data->dtype(), data->shape());
    tensor_ops::CopyElements(*data, 0, *out, 0, data->numel());
    return tensor_ops::ScatterInto(*out, offsets, *updates, 1, reduction_, where);
  }

 private:
  int64_t axis_;
  ScatterReduction reduction_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateScatterElements(const KernelInfo& info) {
  ASSIGN_OR_RETURN(
      ScatterReduction reduction,
      tensor_ops::ParseScatterReduction(info.GetString("reduction", "none"), info.NodeLabel()));
  return MakeKernel<ScatterElementsKernel>(info.GetInt("axis", 0), reduction);
}

}  // namespace berth
