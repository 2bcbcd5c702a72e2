// LayerNormalization (ai.onnx 17+, and com.berth with the same semantics) on oneDNN's layer
// normalization primitive: X viewed as [rows, block] with block = the product of dims [axis, rank),
// normalised per row, then * Scale + B. Scale and B must cover the whole block (no broadcasting
// inside it); only output Y is produced (nodes that want Mean/InvStdDev are declined).

#include <vector>

#include "engine/shape_util.h"
#include "providers/dnnl/eltwise.h"

namespace berth::dnnl_dense {

namespace {

struct LayerNormPrimitive {
  dnnl::layer_normalization_forward::primitive_desc pd;
  dnnl::layer_normalization_forward prim;
  dnnl::memory::desc data, param;
};

// Strips leading 1s.
Shape Squeezed(const Shape& s) {
  size_t i = 0;
  while (i < s.size() && s[i] == 1) ++i;
  return Shape(s.begin() + static_cast<std::ptrdiff_t>(i), s.end());
}

class LayerNormDnnl : public DnnlKernel {
 public:
  LayerNormDnnl(std::unique_ptr<OpKernel> fallback, int64_t axis, float epsilon)
      : DnnlKernel(std::move(fallback)), axis_(axis), epsilon_(epsilon) {}

  Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    const Tensor* scale = ctx.input(1);
    const Tensor* bias = ctx.input(2);
    if (!x || !scale || !AllFloat32(ctx) || x->rank() == 0 || x->numel() == 0) return Fallback(ctx);
    StatusOr<int> axis = NormalizeAxis(axis_, x->rank(), "");
    if (!axis.ok()) return Fallback(ctx);
    const Shape block_shape(x->shape().begin() + *axis, x->shape().end());
    const Shape want = Squeezed(block_shape);
    if (Squeezed(scale->shape()) != want || (bias && Squeezed(bias->shape()) != want))
      return Fallback(ctx);
    const int64_t block = NumElements(block_shape);
    const int64_t rows = x->numel() / block;
    const std::vector<int64_t> key = {rows, block, bias ? 1 : 0, RunThreads(ctx)};
    std::shared_ptr<const LayerNormPrimitive> p =
        cache_.Get(key, [&]() -> std::shared_ptr<const LayerNormPrimitive> {
          try {
            dnnl::memory::desc data = PlainDesc({rows, block});
            dnnl::normalization_flags flags = dnnl::normalization_flags::use_scale;
            if (bias) flags = flags | dnnl::normalization_flags::use_shift;
            dnnl::layer_normalization_forward::desc d(dnnl::prop_kind::forward_inference, data,
                                                      epsilon_, flags);
            dnnl::layer_normalization_forward::primitive_desc pd(d, BaseAttr(), CpuEngine());
            return std::make_shared<const LayerNormPrimitive>(LayerNormPrimitive{
                pd, dnnl::layer_normalization_forward(pd), data, PlainDesc({block})});
          } catch (const dnnl::error&) {
            return nullptr;
          }
        });
    if (!p) return Fallback(ctx);
    Tensor* y = ctx.AllocateOutputUninitialized(0, DataType::kFloat32, x->shape());  // fully written
    try {
      std::unordered_map<int, dnnl::memory> args = {
          {DNNL_ARG_SRC, Wrap(p->data, x->raw_data())},
          {DNNL_ARG_DST, Wrap(p->data, y->raw_data())},
          {DNNL_ARG_SCALE, Wrap(p->param, scale->raw_data())},
      };
      if (bias) args.emplace(DNNL_ARG_SHIFT, Wrap(p->param, bias->raw_data()));
      // Inference computes the statistics itself; where the primitive still wants buffers for them
      // they are per-run.
      std::vector<float> stats;
      const dnnl::memory::desc mean = p->pd.query_md(dnnl::query::dst_md, 1);
      const dnnl::memory::desc var = p->pd.query_md(dnnl::query::dst_md, 2);
      if (mean.get_size() > 0 && var.get_size() > 0) {
        stats.resize((mean.get_size() + var.get_size()) / sizeof(float) + 1);
        args.emplace(DNNL_ARG_MEAN, Wrap(mean, stats.data()));
        args.emplace(DNNL_ARG_VARIANCE, Wrap(var, stats.data() + mean.get_size() / sizeof(float)));
      }
      Execute(p->prim, p->pd, std::move(args));
    } catch (const dnnl::error& e) {
      return Internal(ctx.NodeLabel() + ": oneDNN layer normalization failed: " + e.what());
    }
    return Status::Ok();
  }

 private:
  int64_t axis_;
  float epsilon_;
  PrimitiveCache<LayerNormPrimitive> cache_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateLayerNormalization(const KernelInfo& info) {
  for (int i = 1; i < info.num_outputs(); ++i) {
    if (!info.node().outputs[static_cast<size_t>(i)].empty()) return std::unique_ptr<OpKernel>();
  }
  return MakeDnnlKernel<LayerNormDnnl>(info, info.GetInt("axis", -1),
                                       info.GetFloat("epsilon", 1e-5f));
}

}  // namespace berth::dnnl_dense
