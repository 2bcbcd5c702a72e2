// Identity: passes its input Value through unchanged (a tensor shares its buffer; sequences and
// optionals, opsets 14 and 16, pass as they are).

#include "providers/reference/tensor/tensor_kernels.h"

namespace berth {
namespace {

class IdentityKernel : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    const Value* v = ctx.input_value(0);
    ctx.SetOutput(0, v ? *v : Value());
    return Status::Ok();
  }
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateIdentity(const KernelInfo& info) {
  return MakeKernel<IdentityKernel>();
}

}  // namespace berth
