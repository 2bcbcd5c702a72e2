// Trilu (opset 14): keeps the upper (upper=1, default) or lower triangle of the last two
// dimensions, counted from diagonal k (optional int64 scalar input), and zeroes the rest. Any
// element type.

#include <algorithm>

#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class TriluKernel : public OpKernel {
 public:
  explicit TriluKernel(bool upper) : upper_(upper) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    const int rank = x->rank();
    if (rank < 2)
      return InvalidArgument(ctx.NodeLabel() + ": input " + x->Describe() + " must have rank >= 2");
    int64_t k = 0;
    if (const Tensor* k_t = ctx.input(1)) {
      ASSIGN_OR_RETURN(k, tensor_ops::ReadScalarInt64(*k_t, ctx.NodeLabel(), "input 'k'"));
    }
    const int64_t rows = x->dim(rank - 2), cols = x->dim(rank - 1);
    const int64_t matrices = tensor_ops::ShapeProduct(x->shape(), 0, rank - 2);
    Tensor* out = ctx.AllocateOutput(0, x->dtype(), x->shape());
    // Clamp k so that i + k cannot overflow; beyond +-(rows+cols) every row is all-kept or
    // all-zero.
    const int64_t limit = rows + cols + 1;
    k = std::clamp<int64_t>(k, -limit, limit);
    for (int64_t m = 0; m < matrices; ++m) {
      for (int64_t i = 0; i < rows; ++i) {
        // Kept columns: j >= i + k (upper) or j <= i + k (lower).
        const int64_t begin = upper_ ? std::clamp<int64_t>(i + k, 0, cols) : 0;
        const int64_t end = upper_ ? cols : std::clamp<int64_t>(i + k + 1, 0, cols);
        const int64_t row = (m * rows + i) * cols;
        tensor_ops::FillZero(*out, row, begin);
        tensor_ops::CopyElements(*x, row + begin, *out, row + begin, end - begin);
        tensor_ops::FillZero(*out, row + std::max(begin, end), cols - std::max(begin, end));
      }
    }
    return Status::Ok();
  }

 private:
  bool upper_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateTrilu(const KernelInfo& info) {
  return MakeKernel<TriluKernel>(info.GetInt("upper", 1) != 0);
}

}  // namespace berth
