// EyeLike (opset 9): a 2-D tensor shaped like the input, of type `dtype` (default: the input's),
// with ones on diagonal k (0 main, > 0 above, < 0 below) and zeros elsewhere.

#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class EyeLikeKernel : public OpKernel {
 public:
  EyeLikeKernel(bool has_dtype, DataType dtype, int64_t k)
      : has_dtype_(has_dtype), dtype_(dtype), k_(k) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    if (x->rank() != 2)
      return InvalidArgument(ctx.NodeLabel() + ": input " + x->Describe() + " must be 2-D");
    const DataType dtype = has_dtype_ ? dtype_ : x->dtype();
    const int64_t rows = x->dim(0), cols = x->dim(1);
    return VisitOf<NumericOrBoolTypes>(
        dtype,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          Tensor* out = ctx.AllocateOutput(0, dtype, x->shape());
          tensor_ops::FillZero(*out, 0, out->numel());
          T* o = out->data<T>();
          for (int64_t i = 0; i < rows; ++i) {
            // Compare without computing i + k for k >= 0, so that a huge k cannot overflow.
            if ((k_ >= 0 && k_ < cols - i) || (k_ < 0 && i + k_ >= 0 && i + k_ < cols)) {
              o[i * cols + i + k_] = static_cast<T>(ComputeT<T>(1));
            }
          }
          return Status::Ok();
        },
        ctx.NodeLabel());
  }

 private:
  bool has_dtype_;
  DataType dtype_;
  int64_t k_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateEyeLike(const KernelInfo& info) {
  const bool has_dtype = info.HasAttribute("dtype");
  const int64_t dtype = info.GetInt("dtype", 0);
  if (has_dtype && (dtype < 1 || dtype > 16 || !IsValidDataType(static_cast<int32_t>(dtype)))) {
    return InvalidArgument(info.NodeLabel() + ": attribute 'dtype' = " + std::to_string(dtype) +
                           " is not a data type");
  }
  return MakeKernel<EyeLikeKernel>(has_dtype, static_cast<DataType>(dtype), info.GetInt("k", 0));
}

}  // namespace berth
