#include "providers/dnnl/transpose.h"

#include <vector>

#include "providers/dnnl/eltwise.h"

namespace berth::dnnl_dense {

namespace {

struct TransposePrimitive {
  dnnl::reorder::primitive_desc pd;
  dnnl::reorder prim;
  dnnl::memory::desc src, dst;
};

class TransposeDnnl : public DnnlKernel {
 public:
  TransposeDnnl(std::unique_ptr<OpKernel> fallback, std::vector<int64_t> perm)
      : DnnlKernel(std::move(fallback)), perm_(std::move(perm)) {}

  Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    // Small tensors: creating/looking up a primitive costs more than the reference loop.
    if (!x || x->dtype() != DataType::kFloat32 || x->numel() < kMinElements || x->rank() < 2 ||
        x->rank() > DNNL_MAX_NDIMS) {
      return Fallback(ctx);
    }
    const int rank = x->rank();
    std::vector<int64_t> perm = perm_;
    if (perm.empty()) {
      for (int i = rank - 1; i >= 0; --i) perm.push_back(i);
    }
    if (static_cast<int>(perm.size()) != rank) return Fallback(ctx);  // the reference reports it
    std::vector<bool> seen(static_cast<size_t>(rank), false);
    for (int64_t p : perm) {
      if (p < 0 || p >= rank || seen[static_cast<size_t>(p)]) return Fallback(ctx);
      seen[static_cast<size_t>(p)] = true;
    }
    const Shape& in = x->shape();
    std::vector<int64_t> in_strides(static_cast<size_t>(rank), 1);
    for (int i = rank - 2; i >= 0; --i) in_strides[static_cast<size_t>(i)] = in_strides[static_cast<size_t>(i) + 1] * in[static_cast<size_t>(i) + 1];
    dnnl::memory::dims out_dims, src_strides;
    for (int64_t p : perm) {
      out_dims.push_back(in[static_cast<size_t>(p)]);
      src_strides.push_back(in_strides[static_cast<size_t>(p)]);
    }
    std::vector<int64_t> key = in;
    key.insert(key.end(), perm.begin(), perm.end());
    key.push_back(RunThreads(ctx));
    std::shared_ptr<const TransposePrimitive> t =
        cache_.Get(key, [&]() -> std::shared_ptr<const TransposePrimitive> {
          try {
            dnnl::memory::desc src(out_dims, dnnl::memory::data_type::f32, src_strides);
            dnnl::memory::desc dst = PlainDesc(std::vector<int64_t>(out_dims.begin(), out_dims.end()));
            dnnl::reorder::primitive_desc pd(CpuEngine(), src, CpuEngine(), dst, BaseAttr());
            return std::make_shared<const TransposePrimitive>(
                TransposePrimitive{pd, dnnl::reorder(pd), src, dst});
          } catch (const dnnl::error&) {
            return nullptr;
          }
        });
    if (!t) return Fallback(ctx);
    Tensor* y = ctx.AllocateOutputUninitialized(0, DataType::kFloat32, Shape(out_dims.begin(), out_dims.end()));
    try {
      std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_FROM, Wrap(t->src, x->raw_data())},
                                                    {DNNL_ARG_TO, Wrap(t->dst, y->raw_data())}};
      const dnnl::memory::desc scratch = t->pd.scratchpad_desc();
      if (scratch.get_size() > 0) {
        args.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(scratch, CpuEngine(), ThreadScratchpad(scratch.get_size())));
      }
      t->prim.execute(ThreadStream(), args);
      ThreadStream().wait();
    } catch (const dnnl::error& e) {
      return Internal(ctx.NodeLabel() + ": oneDNN reorder failed: " + e.what());
    }
    return Status::Ok();
  }

 private:
  static constexpr int64_t kMinElements = 4096;
  std::vector<int64_t> perm_;
  PrimitiveCache<TransposePrimitive> cache_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateTranspose(const KernelInfo& info) {
  return MakeDnnlKernel<TransposeDnnl>(info, info.GetInts("perm"));
}

}  // namespace berth::dnnl_dense
