// Compress: keeps the slices along `axis` whose bool condition is true (the flattened input when no
// axis is given). A shorter condition leaves the remaining slices out; a longer one may only have
// false entries past the end. Any element type.

#include "engine/shape_util.h"
#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class CompressKernel : public OpKernel {
 public:
  CompressKernel(bool has_axis, int64_t axis) : has_axis_(has_axis), axis_(axis) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string& where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* cond_t, ctx.RequireInput(1));
    if (cond_t->dtype() != DataType::kBool || cond_t->rank() != 1) {
      return InvalidArgument(where + ": input 'condition' must be a 1-D bool tensor, got " +
                             cond_t->Describe());
    }
    Shape shape = x->shape();
    int axis = 0;
    if (has_axis_) {
      if (x->rank() == 0) return InvalidArgument(where + ": axis given for a scalar input");
      ASSIGN_OR_RETURN(axis, NormalizeAxis(axis_, x->rank(), where));
    } else {
      shape = {x->numel()};
    }
    const int64_t dim = shape[static_cast<size_t>(axis)];
    const bool* cond = cond_t->data<bool>();
    std::vector<int64_t> kept;
    for (int64_t i = 0; i < cond_t->numel(); ++i) {
      if (!cond[i]) continue;
      if (i >= dim) {
        return InvalidArgument(where + ": condition selects slice " + std::to_string(i) +
                               " but axis " + std::to_string(axis) + " has only " +
                               std::to_string(dim));
      }
      kept.push_back(i);
    }
    const int rank = static_cast<int>(shape.size());
    const int64_t outer = tensor_ops::ShapeProduct(shape, 0, axis);
    const int64_t inner = tensor_ops::ShapeProduct(shape, axis + 1, rank);
    Shape out_shape = shape;
    out_shape[static_cast<size_t>(axis)] = static_cast<int64_t>(kept.size());
    Tensor* out = ctx.AllocateOutput(0, x->dtype(), out_shape);
    int64_t dst = 0;
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t k : kept) {
        tensor_ops::CopyElements(*x, (o * dim + k) * inner, *out, dst, inner);
        dst += inner;
      }
    }
    return Status::Ok();
  }

 private:
  bool has_axis_;
  int64_t axis_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateCompress(const KernelInfo& info) {
  return MakeKernel<CompressKernel>(info.HasAttribute("axis"), info.GetInt("axis", 0));
}

}  // namespace berth
