// Size: the input's element count as an int64 scalar.

#include "providers/reference/tensor/tensor_kernels.h"

namespace berth {
namespace {

class SizeKernel : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    Tensor* out = ctx.AllocateOutput(0, DataType::kInt64, {});
    out->data<int64_t>()[0] = x->numel();
    return Status::Ok();
  }
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateSize(const KernelInfo& info) {
  return MakeKernel<SizeKernel>();
}

}  // namespace berth
