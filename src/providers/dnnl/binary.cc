// Add, Sub, Mul and Div (float32, numpy broadcasting) on oneDNN's binary primitive.
//
// oneDNN broadcasts only its second operand, so the first must have the output's shape (Add and Mul
// swap their operands when that helps). Dimensions are merged where both operands agree on
// broadcasting, so a bias over the last axis becomes a per-channel 2-D problem and equal shapes a
// 1-D one, the forms oneDNN's JIT kernels take; [A, B, 16] against [A, 1, 16] (a blocked
// activation times a per-channel value) is described as nChw16c with a per-channel operand. Small
// tensors go to the reference kernel.

#include <utility>
#include <vector>

#include "providers/dnnl/eltwise.h"

namespace berth::dnnl_dense {

namespace {

// Below this the reference loop is as fast as the primitive's dispatch (measured: 4096 elements
// take ~2 us either way on one Zen 4 core).
constexpr int64_t kMinBinaryElements = 4096;

// Merged dims [A, B, 16] (or [B, 16]) against [A, 1, 16] (or [1, 16]): the layout of a blocked
// (nChw16c) activation times one value per channel.
bool IsChannelBlockBroadcast(const std::vector<int64_t>& d0, const std::vector<int64_t>& d1) {
  if (d0.size() < 2 || d0.size() > 3 || d1.size() != d0.size()) return false;
  const size_t n = d0.size();
  return d0[n - 1] == 16 && d1[n - 1] == 16 && d1[n - 2] == 1 && d0[n - 2] > 1 && (n == 2 || d1[0] == d0[0]);
}

struct BinaryPrimitive {
  dnnl::binary::primitive_desc pd;
  dnnl::binary prim;
  dnnl::memory::desc src0, src1;
};

class BinaryDnnl : public DnnlKernel {
 public:
  BinaryDnnl(std::unique_ptr<OpKernel> fallback, dnnl::algorithm alg, bool commutative)
      : DnnlKernel(std::move(fallback)), alg_(alg), commutative_(commutative) {}

  Status Compute(KernelContext& ctx) const override {
    const Tensor* a = ctx.input(0);
    const Tensor* b = ctx.input(1);
    if (!a || !b || !AllFloat32(ctx)) return Fallback(ctx);
    const size_t rank = std::max(a->shape().size(), b->shape().size());
    Shape as(rank - a->shape().size(), 1), bs(rank - b->shape().size(), 1);
    as.insert(as.end(), a->shape().begin(), a->shape().end());
    bs.insert(bs.end(), b->shape().begin(), b->shape().end());
    Shape out(rank);
    for (size_t i = 0; i < rank; ++i) {
      if (as[i] != bs[i] && as[i] != 1 && bs[i] != 1)
        return Fallback(ctx);  // the reference reports it
      out[i] = as[i] == 1 ? bs[i] : as[i];
    }
    const bool swap = as != out;
    if (swap && (!commutative_ || bs != out)) return Fallback(ctx);
    if (NumElements(out) < kMinBinaryElements) return Fallback(ctx);
    const Tensor* src0 = swap ? b : a;
    const Tensor* src1 = swap ? a : b;
    const Shape& s1 = swap ? as : bs;

    // Merge runs of dimensions where src1 is uniformly broadcast (1) or uniformly full.
    std::vector<int64_t> d0, d1;
    int prev = -1;  // 0: broadcast run, 1: full run
    for (size_t i = 0; i < rank; ++i) {
      if (out[i] == 1) continue;
      const int kind = s1[i] == 1 ? 0 : 1;
      if (kind == prev) {
        d0.back() *= out[i];
        d1.back() *= s1[i];
      } else {
        d0.push_back(out[i]);
        d1.push_back(s1[i]);
        prev = kind;
      }
    }
    if (d0.empty()) {
      d0 = {1};
      d1 = {1};
    }
    std::vector<int64_t> key = d0;
    key.push_back(-1);
    key.insert(key.end(), d1.begin(), d1.end());
    key.push_back(RunThreads(ctx));
    std::shared_ptr<const BinaryPrimitive> p =
        cache_.Get(key, [&]() -> std::shared_ptr<const BinaryPrimitive> {
          try {
            dnnl::memory::desc m0 = PlainDesc(d0), m1 = PlainDesc(d1);
            if (IsChannelBlockBroadcast(d0, d1)) {
              // [A, B, 16] * [A, 1, 16]: a per-channel scale of an nChw16c tensor (squeeze-excitation
              // on the blocked layout). Described as such, oneDNN's kernel runs it about twice as
              // fast as the generic 3-D broadcast.
              const int64_t a = d0.size() == 3 ? d0[0] : 1, b = d0[d0.size() - 2];
              using tag = dnnl::memory::format_tag;
              m0 = dnnl::memory::desc({1, a * 16, b, 1}, dnnl::memory::data_type::f32, tag::aBcd16b);
              m1 = dnnl::memory::desc({1, a * 16, 1, 1}, dnnl::memory::data_type::f32, tag::aBcd16b);
            }
            dnnl::binary::desc d(alg_, m0, m1, m0);
            dnnl::binary::primitive_desc pd(d, BaseAttr(), CpuEngine());
            if (IsReferenceImpl(pd)) return nullptr;
            return std::make_shared<const BinaryPrimitive>(
                BinaryPrimitive{pd, dnnl::binary(pd), m0, m1});
          } catch (const dnnl::error&) {
            return nullptr;
          }
        });
    if (!p) return Fallback(ctx);
    Tensor* y = ctx.AllocateOutputUninitialized(0, DataType::kFloat32, out);
    try {
      Execute(p->prim, p->pd,
              {{DNNL_ARG_SRC_0, Wrap(p->src0, src0->raw_data())},
               {DNNL_ARG_SRC_1, Wrap(p->src1, src1->raw_data())},
               {DNNL_ARG_DST, Wrap(p->src0, y->raw_data())}});
    } catch (const dnnl::error& e) {
      return Internal(ctx.NodeLabel() + ": oneDNN binary failed: " + e.what());
    }
    return Status::Ok();
  }

 private:
  dnnl::algorithm alg_;
  bool commutative_;
  PrimitiveCache<BinaryPrimitive> cache_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateBinary(const KernelInfo& info) {
  // Before opset 7 broadcasting was opt-in (`broadcast`/`axis`); the reference keeps those rules.
  if (info.opset() < 7) return std::unique_ptr<OpKernel>();
  const std::string& op = info.op_type();
  if (op == "Add") return MakeDnnlKernel<BinaryDnnl>(info, dnnl::algorithm::binary_add, true);
  if (op == "Sub") return MakeDnnlKernel<BinaryDnnl>(info, dnnl::algorithm::binary_sub, false);
  if (op == "Mul") return MakeDnnlKernel<BinaryDnnl>(info, dnnl::algorithm::binary_mul, true);
  if (op == "Div") return MakeDnnlKernel<BinaryDnnl>(info, dnnl::algorithm::binary_div, false);
  return std::unique_ptr<OpKernel>();
}

}  // namespace berth::dnnl_dense
