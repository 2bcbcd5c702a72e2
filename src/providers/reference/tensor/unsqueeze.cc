// Unsqueeze: a view with size-1 dimensions inserted at the given axes of the output. Axes are an
// attribute before opset 13 and a required int64 input from 13; both forms are accepted.

#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

using tensor_ops::NormalizeAxes;
using tensor_ops::ReadAxesAttributeOrInput;

class UnsqueezeKernel : public OpKernel {
 public:
  UnsqueezeKernel(bool has_attr_axes, std::vector<int64_t> attr_axes)
      : has_attr_axes_(has_attr_axes), attr_axes_(std::move(attr_axes)) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* data, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(std::optional<std::vector<int64_t>> given,
                     ReadAxesAttributeOrInput(ctx, has_attr_axes_, attr_axes_));
    if (!given) {
      return InvalidArgument(ctx.NodeLabel() +
                             ": axes are required (attribute before opset 13, input from 13)");
    }
    const std::vector<int64_t>& axes = *given;
    const int out_rank = data->rank() + static_cast<int>(axes.size());
    ASSIGN_OR_RETURN(std::vector<int> normalized, NormalizeAxes(axes, out_rank, ctx.NodeLabel()));
    std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
    for (int a : normalized) inserted[static_cast<size_t>(a)] = true;
    Shape out(static_cast<size_t>(out_rank));
    int src = 0;
    for (int a = 0; a < out_rank; ++a)
      out[static_cast<size_t>(a)] = inserted[static_cast<size_t>(a)] ? 1 : data->dim(src++);
    ctx.SetOutput(0, data->Reshaped(std::move(out)));
    return Status::Ok();
  }

 private:
  bool has_attr_axes_;
  std::vector<int64_t> attr_axes_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateUnsqueeze(const KernelInfo& info) {
  return MakeKernel<UnsqueezeKernel>(info.HasAttribute("axes"), info.GetInts("axes"));
}

}  // namespace berth
