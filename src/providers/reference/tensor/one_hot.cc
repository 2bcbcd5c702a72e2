// OneHot: out has indices' shape with a new dimension of size `depth` inserted at `axis` (default
// -1, the end); out[..., d, ...] = values[1] where indices == d, else values[0]. Indices and depth
// may be any numeric type (fractional values truncate); negative indices count from depth (opset
// 11); indices outside [-depth, depth) give an all-off row. Any output type.

#include <cmath>

#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class OneHotKernel : public OpKernel {
 public:
  explicit OneHotKernel(int64_t axis) : axis_(axis) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string& where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* indices_t, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* depth_t, ctx.RequireInput(1));
    ASSIGN_OR_RETURN(const Tensor* values, ctx.RequireInput(2));
    if (values->numel() != 2 || values->rank() != 1) {
      return InvalidArgument(where + ": input 'values' must be [off, on], got " +
                             values->Describe());
    }
    ASSIGN_OR_RETURN(double depth_value,
                     tensor_ops::ReadScalarAsDouble(*depth_t, where, "input 'depth'"));
    if (!(depth_value >= 1) || depth_value > 1e15) {
      return InvalidArgument(where + ": depth " + std::to_string(depth_value) +
                             " must be a positive count");
    }
    const int64_t depth = static_cast<int64_t>(depth_value);
    const int rank = indices_t->rank();
    if (axis_ < -(rank + 1) || axis_ > rank) {
      return InvalidArgument(where + ": axis " + std::to_string(axis_) +
                             " is out of range for output rank " + std::to_string(rank + 1));
    }
    const int axis = static_cast<int>(axis_ < 0 ? axis_ + rank + 1 : axis_);
    // Indices as int64 (truncating fractions); -1 marks "no hot element".
    std::vector<int64_t> indices(static_cast<size_t>(indices_t->numel()));
    RETURN_IF_ERROR(VisitOf<NumericTypes>(
        indices_t->dtype(),
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          const T* in = indices_t->data<T>();
          for (size_t i = 0; i < indices.size(); ++i) {
            const double v = std::trunc(static_cast<double>(static_cast<ComputeT<T>>(in[i])));
            int64_t idx = -1;
            if (v >= -static_cast<double>(depth) && v < static_cast<double>(depth)) {
              idx = static_cast<int64_t>(v);
              if (idx < 0) idx += depth;
            }
            indices[i] = idx;
          }
          return Status::Ok();
        },
        where + " (indices)"));
    Shape out_shape = indices_t->shape();
    out_shape.insert(out_shape.begin() + axis, depth);
    RETURN_IF_ERROR(tensor_ops::CheckShape(out_shape, values->dtype(), where));
    Tensor* out = ctx.AllocateOutput(0, values->dtype(), out_shape);
    const int64_t outer = tensor_ops::ShapeProduct(indices_t->shape(), 0, axis);
    const int64_t inner = tensor_ops::ShapeProduct(indices_t->shape(), axis, rank);
    return tensor_ops::VisitElementBits(
        values->dtype(),
        [&](auto tag) -> Status {
          using E = typename decltype(tag)::type;
          const E off = values->data<E>()[0];
          const E on = values->data<E>()[1];
          E* o = out->data<E>();
          for (int64_t i = 0; i < out->numel(); ++i) o[i] = off;
          for (int64_t a = 0; a < outer; ++a) {
            for (int64_t b = 0; b < inner; ++b) {
              const int64_t idx = indices[static_cast<size_t>(a * inner + b)];
              if (idx >= 0) o[(a * depth + idx) * inner + b] = on;
            }
          }
          return Status::Ok();
        },
        where);
  }

 private:
  int64_t axis_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateOneHot(const KernelInfo& info) {
  return MakeKernel<OneHotKernel>(info.GetInt("axis", -1));
}

}  // namespace berth
