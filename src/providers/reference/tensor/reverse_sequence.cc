// ReverseSequence (opset 10): for each batch entry b, reverses the first sequence_lens[b] steps
// along the time axis and copies the rest. time_axis/batch_axis are 0 and 1 in either order. Any
// type.

#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class ReverseSequenceKernel : public OpKernel {
 public:
  ReverseSequenceKernel(int time_axis, int batch_axis)
      : time_axis_(time_axis), batch_axis_(batch_axis) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string& where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* lens_t, ctx.RequireInput(1));
    if (x->rank() < 2)
      return InvalidArgument(where + ": input " + x->Describe() + " must have rank >= 2");
    const int64_t steps = x->dim(time_axis_), batch = x->dim(batch_axis_);
    ASSIGN_OR_RETURN(std::vector<int64_t> lens,
                     tensor_ops::ReadInt64s(*lens_t, where, "input 'sequence_lens'"));
    if (lens_t->rank() != 1 || static_cast<int64_t>(lens.size()) != batch) {
      return InvalidArgument(where + ": input 'sequence_lens' " + lens_t->Describe() +
                             " must be 1-D with " + std::to_string(batch) + " entries");
    }
    for (int64_t len : lens) {
      if (len < 0 || len > steps) {
        return InvalidArgument(where + ": sequence length " + std::to_string(len) +
                               " is outside [0, " + std::to_string(steps) + "]");
      }
    }
    const int64_t inner = tensor_ops::ShapeProduct(x->shape(), 2, x->rank());
    const int64_t time_stride = (time_axis_ == 0 ? batch : 1) * inner;
    const int64_t batch_stride = (batch_axis_ == 0 ? steps : 1) * inner;
    Tensor* out = ctx.AllocateOutput(0, x->dtype(), x->shape());
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t len = lens[static_cast<size_t>(b)];
      for (int64_t t = 0; t < steps; ++t) {
        const int64_t src = t < len ? len - 1 - t : t;
        tensor_ops::CopyElements(*x, b * batch_stride + src * time_stride, *out,
                                 b * batch_stride + t * time_stride, inner);
      }
    }
    return Status::Ok();
  }

 private:
  int time_axis_;
  int batch_axis_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateReverseSequence(const KernelInfo& info) {
  const int64_t time_axis = info.GetInt("time_axis", 0), batch_axis = info.GetInt("batch_axis", 1);
  if ((time_axis != 0 && time_axis != 1) || (batch_axis != 0 && batch_axis != 1) ||
      time_axis == batch_axis) {
    return InvalidArgument(info.NodeLabel() +
                           ": time_axis and batch_axis must be 0 and 1 in some order");
  }
  return MakeKernel<ReverseSequenceKernel>(static_cast<int>(time_axis),
                                           static_cast<int>(batch_axis));
}

}  // namespace berth
