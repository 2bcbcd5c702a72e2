// MatMulInteger (opset 10+): int32 (A - a_zero_point) x (B - b_zero_point) for 8-bit A and B,
// with numpy matmul broadcasting. a_zero_point is per tensor or per row of A ([M]); b_zero_point
// per tensor or per column of B ([N]).

#include <vector>

#include "engine/dispatch.h"
#include "providers/reference/nn/gemm_f32.h"
#include "providers/reference/nn/matmul.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {
namespace {

bool Is8Bit(DataType t) { return t == DataType::kUint8 || t == DataType::kInt8; }

// Widens an 8-bit tensor to int32 and subtracts its zero point. `zp_stride_rows` selects how the
// zero point is indexed: per element of the last axis (columns) or of the second-to-last (rows).
std::vector<int32_t> Widen(const Tensor& t, const std::vector<int32_t>& zp, bool per_row,
                           int64_t rows, int64_t cols) {
  std::vector<int32_t> out(static_cast<size_t>(t.numel()));
  const bool is_signed = t.dtype() == DataType::kInt8;
  const uint8_t* u = t.data<uint8_t>();
  const int8_t* s = t.data<int8_t>();
  for (size_t i = 0; i < out.size(); ++i) {
    int32_t v = is_signed ? s[i] : u[i];
    int32_t z = 0;
    if (zp.size() == 1) {
      z = zp[0];
    } else if (!zp.empty()) {
      const int64_t within = static_cast<int64_t>(i) % (rows * cols);
      z = zp[static_cast<size_t>(per_row ? within / cols : within % cols)];
    }
    out[i] = v - z;
  }
  return out;
}

StatusOr<std::vector<int32_t>> ReadZeroPoint(const Tensor* zp, DataType expected, int64_t count,
                                             const char* name, const std::string& where) {
  std::vector<int32_t> v;
  if (!zp) return v;
  if (zp->dtype() != expected) {
    return InvalidArgument(where + ": " + name + " must have the element type of its matrix (" +
                           std::string(DataTypeName(expected)) + "), got " +
                           std::string(DataTypeName(zp->dtype())));
  }
  if (zp->numel() != 1 && !(zp->rank() == 1 && zp->dim(0) == count)) {
    return InvalidArgument(where + ": " + name + " must be a scalar or have " +
                           std::to_string(count) + " elements, got shape " +
                           ShapeToString(zp->shape()));
  }
  for (int64_t i = 0; i < zp->numel(); ++i) {
    v.push_back(expected == DataType::kInt8 ? zp->data<int8_t>()[i] : zp->data<uint8_t>()[i]);
  }
  return v;
}

class MatMulIntegerKernel : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* a, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* b, ctx.RequireInput(1));
    if (!Is8Bit(a->dtype()) || !Is8Bit(b->dtype())) {
      return InvalidArgument(where + ": A and B must be int8 or uint8, got " +
                             std::string(DataTypeName(a->dtype())) + " and " +
                             std::string(DataTypeName(b->dtype())));
    }
    ASSIGN_OR_RETURN(MatMulPlan p, PlanMatMul(a->shape(), b->shape(), where));
    ASSIGN_OR_RETURN(std::vector<int32_t> a_zp,
                     ReadZeroPoint(ctx.input(2), a->dtype(), p.M, "a_zero_point", where));
    ASSIGN_OR_RETURN(std::vector<int32_t> b_zp,
                     ReadZeroPoint(ctx.input(3), b->dtype(), p.N, "b_zero_point", where));
    Tensor* y = ctx.AllocateOutput(0, DataType::kInt32, p.output);
    if (y->numel() == 0) return Status::Ok();
    std::vector<int32_t> aw = Widen(*a, a_zp, true, p.M, p.K);
    std::vector<int32_t> bw = Widen(*b, b_zp, false, p.K, p.N);
    int32_t* out = y->data<int32_t>();
    if (p.fold_a_batch) {
      GemmRef<int32_t>(false, false, p.batch * p.M, p.N, p.K, 1, aw.data(), p.K, bw.data(), p.N, 0,
                       out, p.N);
    } else {
      for (int64_t i = 0; i < p.batch; ++i) {
        GemmRef<int32_t>(false, false, p.M, p.N, p.K, 1,
                         aw.data() + p.a_batch[static_cast<size_t>(i)] * p.M * p.K, p.K,
                         bw.data() + p.b_batch[static_cast<size_t>(i)] * p.K * p.N, p.N, 0,
                         out + i * p.M * p.N, p.N);
      }
    }
    return Status::Ok();
  }
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateMatMulInteger(const KernelInfo& info) {
  return MakeKernel<MatMulIntegerKernel>();
}

}  // namespace berth::nn
