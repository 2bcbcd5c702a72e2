// SpaceToDepth: moves spatial blocks into channels, [N, C, H, W] -> [N, C*b^2, H/b, W/b]; output
// channel (bh, bw, c) holds input (c, h*b+bh, w*b+bw). A 6-D transpose done as one strided copy.
// Any type.

#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class SpaceToDepthKernel : public OpKernel {
 public:
  explicit SpaceToDepthKernel(int64_t blocksize) : b_(blocksize) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    if (x->rank() != 4 || x->dim(2) % b_ != 0 || x->dim(3) % b_ != 0) {
      return InvalidArgument(ctx.NodeLabel() + ": input " + x->Describe() +
                             " must be 4-D with height and width divisible by " +
                             std::to_string(b_));
    }
    const int64_t n = x->dim(0), c = x->dim(1), h = x->dim(2) / b_, w = x->dim(3) / b_;
    const int64_t W = x->dim(3), HW = x->dim(2) * W;
    Shape view = {n, b_, b_, c, h, w};
    std::vector<int64_t> strides = {c * HW, W, 1, HW, b_ * W, b_};
    Tensor* out = ctx.AllocateOutput(0, x->dtype(), {n, c * b_ * b_, h, w});
    tensor_ops::StridedCopy(*x, 0, strides, view, *out);
    return Status::Ok();
  }

 private:
  int64_t b_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateSpaceToDepth(const KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t blocksize, info.RequireInt("blocksize"));
  if (blocksize < 1) return InvalidArgument(info.NodeLabel() + ": blocksize must be positive");
  return MakeKernel<SpaceToDepthKernel>(blocksize);
}

}  // namespace berth
