// Squeeze: a view without the listed size-1 dimensions (all size-1 dimensions when no axes are
// given). Axes are an attribute before opset 13 and an optional int64 input from 13; both forms are
// accepted.

#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

using tensor_ops::NormalizeAxes;
using tensor_ops::ReadAxesAttributeOrInput;

class SqueezeKernel : public OpKernel {
 public:
  SqueezeKernel(bool has_attr_axes, std::vector<int64_t> attr_axes)
      : has_attr_axes_(has_attr_axes), attr_axes_(std::move(attr_axes)) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* data, ctx.RequireInput(0));
    const int rank = data->rank();
    ASSIGN_OR_RETURN(std::optional<std::vector<int64_t>> axes,
                     ReadAxesAttributeOrInput(ctx, has_attr_axes_, attr_axes_));
    std::vector<bool> drop(static_cast<size_t>(rank), false);
    if (axes) {
      ASSIGN_OR_RETURN(std::vector<int> normalized, NormalizeAxes(*axes, rank, ctx.NodeLabel()));
      for (int a : normalized) {
        if (data->dim(a) != 1) {
          return InvalidArgument(ctx.NodeLabel() + ": cannot squeeze axis " + std::to_string(a) +
                                 " of input " + data->Describe() + ": its size is not 1");
        }
        drop[static_cast<size_t>(a)] = true;
      }
    } else {
      for (int a = 0; a < rank; ++a) drop[static_cast<size_t>(a)] = data->dim(a) == 1;
    }
    Shape out;
    for (int a = 0; a < rank; ++a)
      if (!drop[static_cast<size_t>(a)]) out.push_back(data->dim(a));
    ctx.SetOutput(0, data->Reshaped(std::move(out)));
    return Status::Ok();
  }

 private:
  bool has_attr_axes_;
  std::vector<int64_t> attr_axes_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateSqueeze(const KernelInfo& info) {
  return MakeKernel<SqueezeKernel>(info.HasAttribute("axes"), info.GetInts("axes"));
}

}  // namespace berth
