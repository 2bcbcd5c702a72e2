// Transpose: output dimension i is input dimension perm[i] (default: reversed). Any element type.

#include <algorithm>

#include "engine/shape_util.h"
#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class TransposeKernel : public OpKernel {
 public:
  TransposeKernel(bool has_perm, std::vector<int64_t> perm)
      : has_perm_(has_perm), perm_(std::move(perm)) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* data, ctx.RequireInput(0));
    const int rank = data->rank();
    std::vector<int64_t> perm = perm_;
    if (!has_perm_) {
      perm.resize(static_cast<size_t>(rank));
      for (int i = 0; i < rank; ++i) perm[static_cast<size_t>(i)] = rank - 1 - i;
    }
    if (static_cast<int>(perm.size()) != rank) {
      return InvalidArgument(ctx.NodeLabel() + ": perm " + ShapeToString(perm) +
                             " does not match input " + data->Describe());
    }
    std::vector<bool> seen(static_cast<size_t>(rank), false);
    for (int64_t p : perm) {
      if (p < 0 || p >= rank || seen[static_cast<size_t>(p)]) {
        return InvalidArgument(ctx.NodeLabel() + ": perm " + ShapeToString(perm) +
                               " is not a permutation of 0.." + std::to_string(rank - 1));
      }
      seen[static_cast<size_t>(p)] = true;
    }
    const std::vector<int64_t> in_strides = StridesOf(data->shape());
    Shape out_shape(static_cast<size_t>(rank));
    std::vector<int64_t> strides(static_cast<size_t>(rank));
    for (size_t i = 0; i < perm.size(); ++i) {
      out_shape[i] = data->dim(static_cast<int>(perm[i]));
      strides[i] = in_strides[static_cast<size_t>(perm[i])];
    }
    Tensor* out = ctx.AllocateOutput(0, data->dtype(), out_shape);
    tensor_ops::StridedCopy(*data, 0, strides, out_shape, *out);
    return Status::Ok();
  }

 private:
  bool has_perm_;
  std::vector<int64_t> perm_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateTranspose(const KernelInfo& info) {
  return MakeKernel<TransposeKernel>(info.HasAttribute("perm"), info.GetInts("perm"));
}

}  // namespace berth
