// Det (opset 11+): determinant of each square matrix in the trailing two dimensions, [*, M, M] ->
// [*]. LU decomposition with partial pivoting, computed in double. The determinant of a 0x0
// matrix is 1.

#include <cmath>
#include <utility>

#include "engine/dispatch.h"
#include "providers/reference/reduction/reduction_kernels.h"
#include "providers/reference/reduction/reduction_util.h"

namespace berth {
namespace {

// Determinant of the m x m row-major matrix `a`, destroying it.
double DeterminantInPlace(double* a, int64_t m) {
  double det = 1.0;
  for (int64_t col = 0; col < m; ++col) {
    int64_t pivot = col;
    double best = std::fabs(a[col * m + col]);
    for (int64_t row = col + 1; row < m; ++row) {
      const double v = std::fabs(a[row * m + col]);
      if (v > best) {
        best = v;
        pivot = row;
      }
    }
    if (best == 0.0) return 0.0;
    if (pivot != col) {
      for (int64_t j = 0; j < m; ++j) std::swap(a[col * m + j], a[pivot * m + j]);
      det = -det;
    }
    const double diag = a[col * m + col];
    det *= diag;
    for (int64_t row = col + 1; row < m; ++row) {
      const double factor = a[row * m + col] / diag;
      if (factor == 0.0) continue;
      for (int64_t j = col + 1; j < m; ++j) a[row * m + j] -= factor * a[col * m + j];
    }
  }
  return det;
}

class DetKernel final : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    const int rank = x->rank();
    if (rank < 2 || x->dim(rank - 1) != x->dim(rank - 2)) {
      return InvalidArgument(ctx.NodeLabel() +
                             ": input must be a (batch of) square matrices [*, M, M], got " +
                             x->Describe());
    }
    const int64_t m = x->dim(rank - 1);
    Shape out_shape(x->shape().begin(), x->shape().end() - 2);
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), out_shape);
    const int64_t batch = y->numel();
    return VisitType(
        x->dtype(), kFloatTypes,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (!reduction::kIsNumeric<T>) {
            return Internal(ctx.NodeLabel() + ": unexpected element type");
          } else {
            using C = ComputeT<T>;
            const T* in = x->data<T>();
            T* out = y->data<T>();
            std::vector<double> work(static_cast<size_t>(m * m));
            for (int64_t b = 0; b < batch; ++b) {
              const T* p = in + b * m * m;
              for (int64_t i = 0; i < m * m; ++i)
                work[i] = static_cast<double>(static_cast<C>(p[i]));
              out[b] = reduction::FromDouble<T>(DeterminantInPlace(work.data(), m));
            }
            return Status::Ok();
          }
        },
        ctx.NodeLabel());
  }
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateDet(const KernelInfo& info) {
  return MakeKernel<DetKernel>();
}

}  // namespace berth
