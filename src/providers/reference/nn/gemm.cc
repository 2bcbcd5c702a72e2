// Gemm (opsets 1-13+): Y = alpha * op(A) * op(B) + beta * C with C broadcast to [M, N]
// (unidirectionally) and optional from opset 11.

#include <algorithm>

#include "engine/dispatch.h"
#include "providers/reference/nn/gemm_f32.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {
namespace {

// Writes C broadcast to [M, N] into y (as U).
template <typename T, typename U>
void BroadcastBias(const T* c, const Shape& c_shape, int64_t M, int64_t N, U* y) {
  const int64_t rows = c_shape.size() == 2 ? c_shape[0] : 1;
  const int64_t cols = c_shape.empty() ? 1 : c_shape.back();
  for (int64_t i = 0; i < M; ++i) {
    const T* crow = c + (rows == 1 ? 0 : i) * cols;
    U* yrow = y + i * N;
    if (cols == 1) {
      std::fill(yrow, yrow + N, static_cast<U>(static_cast<ComputeT<T>>(crow[0])));
    } else {
      for (int64_t j = 0; j < N; ++j) yrow[j] = static_cast<U>(static_cast<ComputeT<T>>(crow[j]));
    }
  }
}

class GemmKernel : public OpKernel {
 public:
  GemmKernel(bool trans_a, bool trans_b, float alpha, float beta)
      : trans_a_(trans_a), trans_b_(trans_b), alpha_(alpha), beta_(beta) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* a, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* b, ctx.RequireInput(1));
    const Tensor* c = ctx.input(2);
    if (a->rank() != 2 || b->rank() != 2) {
      return InvalidArgument(where + ": A and B must be 2-D, got " + ShapeToString(a->shape()) +
                             " and " + ShapeToString(b->shape()));
    }
    if (a->dtype() != b->dtype() || (c && c->dtype() != a->dtype())) {
      return InvalidArgument(where + ": A, B and C must have the same element type");
    }
    const int64_t M = trans_a_ ? a->dim(1) : a->dim(0);
    const int64_t K = trans_a_ ? a->dim(0) : a->dim(1);
    const int64_t kb = trans_b_ ? b->dim(1) : b->dim(0);
    const int64_t N = trans_b_ ? b->dim(0) : b->dim(1);
    if (K != kb) {
      return InvalidArgument(where + ": inner dimensions do not match: A " +
                             ShapeToString(a->shape()) + (trans_a_ ? " (transposed)" : "") +
                             " x B " + ShapeToString(b->shape()) +
                             (trans_b_ ? " (transposed)" : ""));
    }
    if (c) {
      const Shape& cs = c->shape();
      bool ok = cs.size() <= 2;
      if (ok && cs.size() == 2) ok = (cs[0] == 1 || cs[0] == M) && (cs[1] == 1 || cs[1] == N);
      if (ok && cs.size() == 1) ok = cs[0] == 1 || cs[0] == N;
      if (!ok) {
        return InvalidArgument(where + ": input 2 ('C') of shape " + ShapeToString(cs) +
                               " cannot be broadcast to [" + std::to_string(M) + "," +
                               std::to_string(N) + "]");
      }
    }
    Tensor* y = ctx.AllocateOutput(0, a->dtype(), {M, N});
    if (y->numel() == 0) return Status::Ok();
    return VisitType(
        a->dtype(), kFloatTypes | kIntTypes,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
            Tensor af = ToFloat32(*a), bf = ToFloat32(*b);
            Tensor yf(DataType::kFloat32, y->shape());
            Run<float>(af.data<float>(), bf.data<float>(),
                       c ? c->data<T>() : static_cast<const T*>(nullptr), c ? c->shape() : Shape{},
                       M, N, K, yf.data<float>());
            StoreFromFloat32(yf, y);
          } else if constexpr (kIsNumeric<T>) {
            Run<T>(a->data<T>(), b->data<T>(), c ? c->data<T>() : static_cast<const T*>(nullptr),
                   c ? c->shape() : Shape{}, M, N, K, y->data<T>());
          }
          return Status::Ok();
        },
        where);
  }

 private:
  template <typename U, typename T>
  void Run(const U* a, const U* b, const T* c, const Shape& c_shape, int64_t M, int64_t N,
           int64_t K, U* y) const {
    U beta = static_cast<U>(beta_);
    if (c && beta != U(0)) {
      BroadcastBias(c, c_shape, M, N, y);
    } else {
      beta = U(0);
    }
    Gemm<U>(trans_a_, trans_b_, M, N, K, static_cast<U>(alpha_), a, trans_a_ ? M : K, b,
            trans_b_ ? K : N, beta, y, N);
  }

  bool trans_a_, trans_b_;
  float alpha_, beta_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateGemm(const KernelInfo& info) {
  return MakeKernel<GemmKernel>(info.GetInt("transA", 0) != 0, info.GetInt("transB", 0) != 0,
                                info.GetFloat("alpha", 1.0f), info.GetFloat("beta", 1.0f));
}

}  // namespace berth::nn
