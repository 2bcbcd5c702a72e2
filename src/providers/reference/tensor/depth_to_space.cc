// DepthToSpace: moves blocks of channels into spatial blocks, [N, C, H, W] -> [N, C/b^2, H*b, W*b].
// DCR mode (default) takes the block offset from the channel's high part, CRD (opset 11) from its
// low part. Both are a 6-D transpose, done as one strided copy. Any element type.

#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class DepthToSpaceKernel : public OpKernel {
 public:
  DepthToSpaceKernel(int64_t blocksize, bool crd) : b_(blocksize), crd_(crd) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    int64_t bb = 0;
    if (x->rank() != 4 || __builtin_mul_overflow(b_, b_, &bb) || x->dim(1) % bb != 0) {
      return InvalidArgument(ctx.NodeLabel() + ": input " + x->Describe() +
                             " must be 4-D with channels divisible by " +
                             "blocksize^2 (blocksize " + std::to_string(b_) + ")");
    }
    const int64_t n = x->dim(0), c = x->dim(1) / bb, h = x->dim(2), w = x->dim(3);
    Shape out_shape = {n, c, 0, 0};
    if (__builtin_mul_overflow(h, b_, &out_shape[2]) ||
        __builtin_mul_overflow(w, b_, &out_shape[3])) {
      return InvalidArgument(ctx.NodeLabel() + ": blocksize " + std::to_string(b_) +
                             " is too large");
    }
    // Output index (n, c, h, bh, w, bw) reads input channel (bh, bw, c) in DCR or (c, bh, bw) in
    // CRD.
    const int64_t hw = h * w;
    const int64_t c_stride = crd_ ? b_ * b_ * hw : hw;
    const int64_t bh_stride = crd_ ? b_ * hw : b_ * c * hw;
    const int64_t bw_stride = crd_ ? hw : c * hw;
    Shape view = {n, c, h, b_, w, b_};
    std::vector<int64_t> strides = {x->dim(1) * hw, c_stride, w, bh_stride, 1, bw_stride};
    Tensor* out = ctx.AllocateOutput(0, x->dtype(), out_shape);
    tensor_ops::StridedCopy(*x, 0, strides, view, *out);
    return Status::Ok();
  }

 private:
  int64_t b_;
  bool crd_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateDepthToSpace(const KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t blocksize, info.RequireInt("blocksize"));
  if (blocksize < 1) return InvalidArgument(info.NodeLabel() + ": blocksize must be positive");
  const std::string mode = info.GetString("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") {
    return InvalidArgument(info.NodeLabel() + ": unknown mode '" + mode +
                           "' (expected DCR or CRD)");
  }
  return MakeKernel<DepthToSpaceKernel>(blocksize, mode == "CRD");
}

}  // namespace berth
