// QLinearMatMul (opset 10+): numpy-style batched matmul of quantized int8/uint8 tensors.
//   acc[m, n] = sum_k (a[m, k] - a_zero_point) * (b[k, n] - b_zero_point)        (exact, in
//   integers) y[m, n]   = saturate(round_half_even(acc * a_scale * b_scale / y_scale) +
//   y_zero_point)
// Scales/zero points are per tensor (one element), per row of `a` (shape [M] or [..., M, 1]), per
// column of `b` (shape [N] or [..., 1, N]), and for `y` anything that broadcasts to the output.

#include <cmath>

#include "engine/dispatch.h"
#include "engine/shape_util.h"
#include "providers/reference/misc/misc_kernels.h"
#include "providers/reference/misc/quant_util.h"

namespace berth {
namespace {

// A scale/zero-point pair viewed as a (batched) matrix broadcast against an operand: the value for
// (batch b, row r, col c) is at batch_offset(b) * block + r * row_stride + c * col_stride.
struct QuantParam {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  Shape batch_shape;
  int64_t block = 1;
  int64_t row_stride = 0;
  int64_t col_stride = 0;
};

enum class ParamKind { kPerRow, kPerColumn, kAny };

// `operand` is the operand's 2-D-or-more shape. `kind` says which matrix dimension the parameter
// may vary along (and how a 1-D parameter is read).
StatusOr<QuantParam> MakeParam(const Tensor& scale, const Tensor* zero_point, const Shape& operand,
                               ParamKind kind, const std::string& where, const std::string& name) {
  QuantParam p;
  ASSIGN_OR_RETURN(p.scale, quant::ReadScales(scale, where, name + "_scale"));
  if (zero_point) {
    if (zero_point->numel() != scale.numel()) {
      return InvalidArgument(where + ": " + name + "_zero_point shape " +
                             ShapeToString(zero_point->shape()) + " does not match " + name +
                             "_scale shape " + ShapeToString(scale.shape()));
    }
    ASSIGN_OR_RETURN(p.zero_point, quant::ReadZeroPoints(*zero_point, where, name + "_zero_point"));
  } else {
    p.zero_point.assign(p.scale.size(), 0);
  }
  if (p.scale.empty()) return InvalidArgument(where + ": " + name + "_scale is empty");
  if (p.scale.size() == 1) return p;  // per tensor: every stride 0

  const size_t r = operand.size();
  Shape shape = scale.shape();
  if (shape.size() == 1 && kind == ParamKind::kPerRow) shape = {shape[0], 1};
  if (shape.size() == 1 && kind == ParamKind::kPerColumn) shape = {1, shape[0]};
  StatusOr<Shape> bcast = BroadcastShapes(shape, operand, where);
  bool ok = shape.size() <= r && bcast.ok() && *bcast == operand;
  if (ok && kind == ParamKind::kPerRow) ok = shape.back() == 1;
  if (ok && kind == ParamKind::kPerColumn) ok = shape.size() < 2 || shape[shape.size() - 2] == 1;
  if (!ok) {
    return InvalidArgument(where + ": " + name + "_scale shape " + ShapeToString(scale.shape()) +
                           " is neither per-tensor nor " +
                           (kind == ParamKind::kPerRow      ? "per-row"
                            : kind == ParamKind::kPerColumn ? "per-column"
                                                            : "broadcastable") +
                           " for shape " + ShapeToString(operand));
  }
  while (shape.size() < 2) shape.insert(shape.begin(), 1);
  const int64_t rows = shape[shape.size() - 2];
  const int64_t cols = shape[shape.size() - 1];
  p.batch_shape.assign(shape.begin(), shape.end() - 2);
  p.block = rows * cols;
  p.row_stride = rows == 1 ? 0 : cols;
  p.col_stride = cols == 1 ? 0 : 1;
  return p;
}

class QLinearMatMulKernel : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* a, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* a_scale, ctx.RequireInput(1));
    ASSIGN_OR_RETURN(const Tensor* b, ctx.RequireInput(3));
    ASSIGN_OR_RETURN(const Tensor* b_scale, ctx.RequireInput(4));
    ASSIGN_OR_RETURN(const Tensor* y_scale, ctx.RequireInput(6));
    ASSIGN_OR_RETURN(const Tensor* y_zp, ctx.RequireInput(7));
    const Tensor* a_zp = ctx.input(2);
    const Tensor* b_zp = ctx.input(5);
    if (!quant::Is8Bit(a->dtype()) || !quant::Is8Bit(b->dtype()) || !quant::Is8Bit(y_zp->dtype())) {
      return InvalidArgument(where + ": a, b and y_zero_point must be int8 or uint8 (got " +
                             std::string(DataTypeName(a->dtype())) + ", " +
                             std::string(DataTypeName(b->dtype())) + ", " +
                             std::string(DataTypeName(y_zp->dtype())) + ")");
    }
    if ((a_zp && a_zp->dtype() != a->dtype()) || (b_zp && b_zp->dtype() != b->dtype())) {
      return InvalidArgument(where + ": a zero point must have the type of its input");
    }
    if (a->rank() == 0 || b->rank() == 0) {
      return InvalidArgument(where + ": matmul inputs must have rank >= 1, got " +
                             ShapeToString(a->shape()) + " and " + ShapeToString(b->shape()));
    }

    // numpy.matmul promotion of 1-D operands.
    Shape as = a->shape();
    Shape bs = b->shape();
    if (as.size() == 1) as.insert(as.begin(), 1);
    if (bs.size() == 1) bs.push_back(1);
    const int64_t M = as[as.size() - 2];
    const int64_t K = as[as.size() - 1];
    const int64_t N = bs[bs.size() - 1];
    if (bs[bs.size() - 2] != K) {
      return InvalidArgument(where + ": inner dimensions differ: a " + ShapeToString(a->shape()) +
                             ", b " + ShapeToString(b->shape()));
    }
    Shape a_batch(as.begin(), as.end() - 2);
    Shape b_batch(bs.begin(), bs.end() - 2);
    ASSIGN_OR_RETURN(Shape out_batch, BroadcastShapes(a_batch, b_batch, where));
    Shape full = out_batch;
    full.push_back(M);
    full.push_back(N);

    ASSIGN_OR_RETURN(QuantParam pa, MakeParam(*a_scale, a_zp, as, ParamKind::kPerRow, where, "a"));
    ASSIGN_OR_RETURN(QuantParam pb,
                     MakeParam(*b_scale, b_zp, bs, ParamKind::kPerColumn, where, "b"));
    ASSIGN_OR_RETURN(QuantParam py, MakeParam(*y_scale, y_zp, full, ParamKind::kAny, where, "y"));

    Shape out_shape = out_batch;
    if (a->rank() > 1) out_shape.push_back(M);
    if (b->rank() > 1) out_shape.push_back(N);
    Tensor* y = ctx.AllocateOutput(0, y_zp->dtype(), out_shape);
    if (y->numel() == 0) return Status::Ok();

    return VisitOf<quant::Int8Types>(
        a->dtype(),
        [&](auto ta) -> Status {
          using TA = typename decltype(ta)::type;
          return VisitOf<quant::Int8Types>(
              b->dtype(),
              [&](auto tb) -> Status {
                using TB = typename decltype(tb)::type;
                return VisitOf<quant::Int8Types>(
                    y->dtype(),
                    [&](auto ty) -> Status {
                      using TY = typename decltype(ty)::type;
                      Run<TA, TB, TY>(a->data<TA>(), b->data<TB>(), y->data<TY>(), M, K, N, a_batch,
                                      b_batch, out_batch, pa, pb, py);
                      return Status::Ok();
                    },
                    where);
              },
              where);
        },
        where);
  }

 private:
  template <typename TA, typename TB, typename TY>
  static void Run(const TA* a, const TB* b, TY* y, int64_t M, int64_t K, int64_t N,
                  const Shape& a_batch, const Shape& b_batch, const Shape& out_batch,
                  const QuantParam& pa, const QuantParam& pb, const QuantParam& py) {
    std::vector<int32_t> a_int(static_cast<size_t>(M * K));
    std::vector<int32_t> b_int(static_cast<size_t>(K * N));
    BroadcastIterator it(out_batch,
                         {a_batch, b_batch, pa.batch_shape, pb.batch_shape, py.batch_shape});
    const int64_t batches = NumElements(out_batch);
    for (int64_t batch = 0; batch < batches; ++batch, it.Next()) {
      const TA* ab = a + it.offset(0) * M * K;
      const TB* bb = b + it.offset(1) * K * N;
      const int64_t pa_base = it.offset(2) * pa.block;
      const int64_t pb_base = it.offset(3) * pb.block;
      const int64_t py_base = it.offset(4) * py.block;
      for (int64_t m = 0; m < M; ++m) {
        const int32_t zp = pa.zero_point[static_cast<size_t>(pa_base + m * pa.row_stride)];
        for (int64_t k = 0; k < K; ++k)
          a_int[static_cast<size_t>(m * K + k)] = int32_t(ab[m * K + k]) - zp;
      }
      for (int64_t k = 0; k < K; ++k) {
        for (int64_t n = 0; n < N; ++n) {
          const int32_t zp = pb.zero_point[static_cast<size_t>(pb_base + n * pb.col_stride)];
          b_int[static_cast<size_t>(k * N + n)] = int32_t(bb[k * N + n]) - zp;
        }
      }
      TY* yb = y + batch * M * N;
      if (K <= quant::kInt32SafeTerms) {
        Gemm<int32_t>(a_int, b_int, M, K, N, pa, pb, py, pa_base, pb_base, py_base, yb);
      } else {
        Gemm<int64_t>(a_int, b_int, M, K, N, pa, pb, py, pa_base, pb_base, py_base, yb);
      }
    }
  }

  // One batch: y = requantize((a_int @ b_int)) with 32- or 64-bit exact integer sums.
  template <typename Acc, typename TY>
  static void Gemm(const std::vector<int32_t>& a_int, const std::vector<int32_t>& b_int, int64_t M,
                   int64_t K, int64_t N, const QuantParam& pa, const QuantParam& pb,
                   const QuantParam& py, int64_t pa_base, int64_t pb_base, int64_t py_base,
                   TY* yb) {
    std::vector<Acc> acc(static_cast<size_t>(N));
    for (int64_t m = 0; m < M; ++m) {
      std::fill(acc.begin(), acc.end(), Acc{0});
      for (int64_t k = 0; k < K; ++k) {
        const Acc av = a_int[static_cast<size_t>(m * K + k)];
        const int32_t* brow = &b_int[static_cast<size_t>(k * N)];
        Acc* ac = acc.data();
        for (int64_t n = 0; n < N; ++n) ac[n] += av * brow[n];
      }
      const float sa = pa.scale[static_cast<size_t>(pa_base + m * pa.row_stride)];
      for (int64_t n = 0; n < N; ++n) {
        const float sb = pb.scale[static_cast<size_t>(pb_base + n * pb.col_stride)];
        const size_t yi = static_cast<size_t>(py_base + m * py.row_stride + n * py.col_stride);
        const float multiplier = sa * sb / py.scale[yi];
        const double v =
            quant::RoundHalfEven(static_cast<double>(acc[static_cast<size_t>(n)]) * multiplier);
        yb[m * N + n] = quant::Saturate<TY>(v + py.zero_point[yi]);
      }
    }
  }
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateQLinearMatMul(const KernelInfo& info) {
  return MakeKernel<QLinearMatMulKernel>();
}

}  // namespace berth
