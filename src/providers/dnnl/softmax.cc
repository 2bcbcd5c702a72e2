// Softmax and LogSoftmax on oneDNN's softmax_v2 primitive. From opset 13 the operation runs along
// one axis; before, the input is coerced to 2-D at `axis` ([outer, n], along n). Both become one
// primitive over a plain descriptor.

#include <vector>

#include "engine/shape_util.h"
#include "providers/dnnl/eltwise.h"

namespace berth::dnnl_dense {

namespace {

struct SoftmaxPrimitive {
  dnnl::softmax_v2_forward::primitive_desc pd;
  dnnl::softmax_v2_forward prim;
  dnnl::memory::desc desc;
};

class SoftmaxDnnl : public DnnlKernel {
 public:
  SoftmaxDnnl(std::unique_ptr<OpKernel> fallback, dnnl::algorithm alg, int64_t axis, bool coerce_2d)
      : DnnlKernel(std::move(fallback)), alg_(alg), axis_(axis), coerce_2d_(coerce_2d) {}

  Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (!x || !AllFloat32(ctx) || x->rank() == 0 || x->numel() < kMinEltwiseElements)
      return Fallback(ctx);
    StatusOr<int> axis_or = NormalizeAxis(axis_, x->rank(), "");
    if (!axis_or.ok()) return Fallback(ctx);
    int axis = *axis_or;
    Shape dims = x->shape();
    if (coerce_2d_) {
      const int64_t n = NumElements(Shape(dims.begin() + axis, dims.end()));
      dims = {x->numel() / n, n};
      axis = 1;
    }
    std::vector<int64_t> key = dims;
    key.push_back(axis);
    key.push_back(RunThreads(ctx));
    std::shared_ptr<const SoftmaxPrimitive> p =
        cache_.Get(key, [&]() -> std::shared_ptr<const SoftmaxPrimitive> {
          try {
            dnnl::memory::desc desc = PlainDesc(dims);
            dnnl::softmax_v2_forward::desc d(dnnl::prop_kind::forward_inference, alg_, desc, desc,
                                             axis);
            dnnl::softmax_v2_forward::primitive_desc pd(d, BaseAttr(), CpuEngine());
            return std::make_shared<const SoftmaxPrimitive>(
                SoftmaxPrimitive{pd, dnnl::softmax_v2_forward(pd), desc});
          } catch (const dnnl::error&) {
            return nullptr;
          }
        });
    if (!p) return Fallback(ctx);
    Tensor* y = ctx.AllocateOutputUninitialized(0, DataType::kFloat32, x->shape());  // fully written
    try {
      Execute(p->prim, p->pd,
              {{DNNL_ARG_SRC, Wrap(p->desc, x->raw_data())},
               {DNNL_ARG_DST, Wrap(p->desc, y->raw_data())}});
    } catch (const dnnl::error& e) {
      return Internal(ctx.NodeLabel() + ": oneDNN softmax failed: " + e.what());
    }
    return Status::Ok();
  }

 private:
  dnnl::algorithm alg_;
  int64_t axis_;
  bool coerce_2d_;
  PrimitiveCache<SoftmaxPrimitive> cache_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateSoftmax(const KernelInfo& info) {
  const bool coerce = info.opset() < 13;
  const dnnl::algorithm alg = info.op_type() == "LogSoftmax" ? dnnl::algorithm::softmax_log
                                                             : dnnl::algorithm::softmax_accurate;
  return MakeDnnlKernel<SoftmaxDnnl>(info, alg, info.GetInt("axis", coerce ? 1 : -1), coerce);
}

}  // namespace berth::dnnl_dense
