// GatherElements: out[i] = data[i with i[axis] replaced by indices[i]]; indices has data's rank and
// its shape is the output's. Negative indices count from the end. Any element type.

#include "engine/shape_util.h"
#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

template <typename E>
void GatherElementsTyped(const E* data, const std::vector<int64_t>& data_strides,
                         const std::vector<int64_t>& indices, const Shape& shape, int axis,
                         E* out) {
  const int rank = static_cast<int>(shape.size());
  std::vector<int64_t> index(static_cast<size_t>(rank), 0);
  int64_t base = 0;  // offset of `index` in data, without the axis term
  const int64_t n = static_cast<int64_t>(indices.size());
  for (int64_t i = 0; i < n; ++i) {
    out[i] = data[base + indices[static_cast<size_t>(i)] * data_strides[static_cast<size_t>(axis)]];
    for (int k = rank - 1; k >= 0; --k) {
      size_t uk = static_cast<size_t>(k);
      const int64_t stride = k == axis ? 0 : data_strides[uk];
      base += stride;
      if (++index[uk] < shape[uk]) break;
      base -= stride * shape[uk];
      index[uk] = 0;
    }
  }
}

class GatherElementsKernel : public OpKernel {
 public:
  explicit GatherElementsKernel(int64_t axis) : axis_(axis) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string& where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* data, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* indices_t, ctx.RequireInput(1));
    const int rank = data->rank();
    if (rank == 0 || indices_t->rank() != rank) {
      return InvalidArgument(where + ": input 'indices' " + indices_t->Describe() +
                             " must have the rank of input 'data' " + data->Describe() + " (>= 1)");
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
    const int64_t dim = data->dim(axis);
    for (int64_t& idx : indices) {
      if (idx < -dim || idx >= dim) {
        return InvalidArgument(where + ": index " + std::to_string(idx) +
                               " is out of range for axis " + std::to_string(axis) + " of input " +
                               data->Describe());
      }
      if (idx < 0) idx += dim;
    }
    Tensor* out = ctx.AllocateOutput(0, data->dtype(), indices_t->shape());
    if (out->numel() == 0) return Status::Ok();
    const std::vector<int64_t> strides = StridesOf(data->shape());
    return tensor_ops::VisitElementBits(
        data->dtype(),
        [&](auto tag) -> Status {
          using E = typename decltype(tag)::type;
          GatherElementsTyped<E>(data->data<E>(), strides, indices, indices_t->shape(), axis,
                                 out->data<E>());
          return Status::Ok();
        },
        where);
  }

 private:
  int64_t axis_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateGatherElements(const KernelInfo& info) {
  return MakeKernel<GatherElementsKernel>(info.GetInt("axis", 0));
}

}  // namespace berth
