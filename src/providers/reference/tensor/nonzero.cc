// NonZero: the coordinates of the non-zero elements, int64 [rank, count], in row-major order. A
// scalar is treated as 1-D (numpy's behaviour): [1, count] with coordinate 0.

#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class NonZeroKernel : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    std::vector<bool> nonzero(static_cast<size_t>(x->numel()));
    int64_t count = 0;
    RETURN_IF_ERROR(VisitOf<NumericOrBoolTypes>(
        x->dtype(),
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          const T* v = x->data<T>();
          for (int64_t i = 0; i < x->numel(); ++i) {
            const bool nz = static_cast<ComputeT<T>>(v[i]) != ComputeT<T>(0);
            nonzero[static_cast<size_t>(i)] = nz;
            count += nz;
          }
          return Status::Ok();
        },
        ctx.NodeLabel()));
    Shape shape = x->rank() == 0 ? Shape{1} : x->shape();
    const int rank = static_cast<int>(shape.size());
    Tensor* out = ctx.AllocateOutput(0, DataType::kInt64, {rank, count});
    int64_t* o = out->data<int64_t>();
    std::vector<int64_t> index(static_cast<size_t>(rank), 0);
    int64_t column = 0;
    for (int64_t i = 0; i < x->numel(); ++i) {
      if (nonzero[static_cast<size_t>(i)]) {
        for (int d = 0; d < rank; ++d) o[d * count + column] = index[static_cast<size_t>(d)];
        ++column;
      }
      for (int d = rank - 1; d >= 0; --d) {
        if (++index[static_cast<size_t>(d)] < shape[static_cast<size_t>(d)]) break;
        index[static_cast<size_t>(d)] = 0;
      }
    }
    return Status::Ok();
  }
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateNonZero(const KernelInfo& info) {
  return MakeKernel<NonZeroKernel>();
}

}  // namespace berth
