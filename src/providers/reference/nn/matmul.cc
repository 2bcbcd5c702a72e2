// MatMul (opsets 1-13+): numpy matmul with batch broadcasting, over the shared GEMM routines.

#include "providers/reference/nn/matmul.h"

#include <algorithm>

#include "engine/dispatch.h"
#include "engine/shape_util.h"
#include "providers/reference/nn/gemm_f32.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {

StatusOr<MatMulPlan> PlanMatMul(const Shape& a, const Shape& b, const std::string& where) {
  if (a.empty() || b.empty()) {
    return InvalidArgument(where + ": MatMul inputs must have rank >= 1, got A " +
                           ShapeToString(a) + " and B " + ShapeToString(b));
  }
  MatMulPlan p;
  const bool a_vec = a.size() == 1;
  const bool b_vec = b.size() == 1;
  p.M = a_vec ? 1 : a[a.size() - 2];
  p.K = a.back();
  const int64_t kb = b_vec ? b[0] : b[b.size() - 2];
  p.N = b_vec ? 1 : b.back();
  if (kb != p.K) {
    return InvalidArgument(where + ": inner dimensions do not match: A " + ShapeToString(a) +
                           " x B " + ShapeToString(b));
  }
  Shape a_batch(a.begin(), a.end() - std::min<size_t>(a.size(), 2));
  Shape b_batch(b.begin(), b.end() - std::min<size_t>(b.size(), 2));
  ASSIGN_OR_RETURN(Shape batch, BroadcastShapes(a_batch, b_batch, where));
  p.output = batch;
  if (!a_vec) p.output.push_back(p.M);
  if (!b_vec) p.output.push_back(p.N);
  p.batch = NumElements(batch);

  if (NumElements(b_batch) == 1 && a_batch.size() >= b_batch.size() && batch == a_batch) {
    p.fold_a_batch = true;
    return p;
  }
  p.a_batch.resize(static_cast<size_t>(p.batch));
  p.b_batch.resize(static_cast<size_t>(p.batch));
  const std::vector<int64_t> sa = BroadcastStrides(a_batch, batch);
  const std::vector<int64_t> sb = BroadcastStrides(b_batch, batch);
  std::vector<int64_t> idx(batch.size(), 0);
  int64_t oa = 0, ob = 0;
  for (int64_t i = 0; i < p.batch; ++i) {
    p.a_batch[static_cast<size_t>(i)] = oa;
    p.b_batch[static_cast<size_t>(i)] = ob;
    for (int d = static_cast<int>(batch.size()) - 1; d >= 0; --d) {
      ++idx[d];
      oa += sa[d];
      ob += sb[d];
      if (idx[d] < batch[d]) break;
      oa -= sa[d] * idx[d];
      ob -= sb[d] * idx[d];
      idx[d] = 0;
    }
  }
  return p;
}

namespace {

template <typename T>
void RunMatMul(const MatMulPlan& p, const T* a, const T* b, T* y) {
  if (p.fold_a_batch) {
    Gemm<T>(false, false, p.batch * p.M, p.N, p.K, T(1), a, p.K, b, p.N, T(0), y, p.N);
    return;
  }
  for (int64_t i = 0; i < p.batch; ++i) {
    Gemm<T>(false, false, p.M, p.N, p.K, T(1), a + p.a_batch[static_cast<size_t>(i)] * p.M * p.K,
            p.K, b + p.b_batch[static_cast<size_t>(i)] * p.K * p.N, p.N, T(0), y + i * p.M * p.N,
            p.N);
  }
}

class MatMulKernel : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* a, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* b, ctx.RequireInput(1));
    if (a->dtype() != b->dtype()) {
      return InvalidArgument(where + ": A and B must have the same element type, got " +
                             std::string(DataTypeName(a->dtype())) + " and " +
                             std::string(DataTypeName(b->dtype())));
    }
    ASSIGN_OR_RETURN(MatMulPlan p, PlanMatMul(a->shape(), b->shape(), where));
    Tensor* y = ctx.AllocateOutput(0, a->dtype(), p.output);
    if (y->numel() == 0) return Status::Ok();
    return VisitType(
        a->dtype(), kAllNumeric,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
            Tensor af = ToFloat32(*a), bf = ToFloat32(*b);
            Tensor yf(DataType::kFloat32, y->shape());
            RunMatMul<float>(p, af.data<float>(), bf.data<float>(), yf.data<float>());
            StoreFromFloat32(yf, y);
          } else if constexpr (kIsNumeric<T>) {
            RunMatMul<T>(p, a->data<T>(), b->data<T>(), y->data<T>());
          }
          return Status::Ok();
        },
        where);
  }
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateMatMul(const KernelInfo& info) {
  return MakeKernel<MatMulKernel>();
}

}  // namespace berth::nn
