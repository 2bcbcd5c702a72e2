// Pooling on oneDNN (pooling_v2: dilations supported). Geometry (auto_pad, ceil_mode, output sizes)
// is resolved by the reference provider's shared helpers, so both providers agree on every shape;
// oneDNN gets the tail padding that yields the same output size. Primitives are cached per input shape.
//
// Blocked forms read and write [N, C/16, H, W, 16]: padding channels are pooled like the others and
// stay zero.

#include "providers/dnnl/pool.h"

#include <map>
#include <mutex>

#include "engine/thread_pool.h"
#include "providers/dnnl/dnnl_common.h"
#include "providers/reference/nn/conv_geometry.h"

namespace berth::dnnl_provider {

namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;

class PoolDnnl final : public OpKernel {
 public:
  struct Config {
    dnnl::algorithm alg = dnnl::algorithm::pooling_max;
    nn::WindowAttributes window;
    bool global = false;
    bool blocked = false;
    bool count_include_pad = false;
  };

  PoolDnnl(Config config, std::unique_ptr<OpKernel> fallback)
      : config_(std::move(config)), fallback_(std::move(fallback)) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    const bool supported = x->dtype() == DataType::kFloat32 && x->rank() == (config_.blocked ? 5 : 4) &&
                           !ctx.output_wanted(1) && x->numel() > 0;
    if (!supported) {
      if (fallback_) return fallback_->Compute(ctx);
      return InvalidArgument(where + ": expects a non-empty float32 [N, C/16, H, W, 16] tensor, got " + x->Describe());
    }
    if (config_.blocked && x->dim(4) != 16) {
      return InvalidArgument(where + ": blocked input " + ShapeToString(x->shape()) + " must end in 16");
    }
    const Shape logical = config_.blocked ? Shape{x->dim(0), x->dim(1) * 16, x->dim(2), x->dim(3)} : x->shape();
    std::shared_ptr<const Prepared> prep;
    RETURN_IF_ERROR(CatchDnnl(where, [&]() -> Status {
      ASSIGN_OR_RETURN(prep, GetPrepared(logical, where));
      return Status::Ok();
    }));
    if (!prep) {
      if (fallback_) return fallback_->Compute(ctx);
      return Unimplemented(where + ": oneDNN cannot run this pooling");
    }
    Shape y_shape = prep->y_shape;
    Tensor y_tensor = AllocateUninitializedOutput(ctx, 0, y_shape);
    Tensor* y = &y_tensor;
    return CatchDnnl(where, [&]() -> Status {
      ExecutePrimitive(prep->pool, prep->pd.scratchpad_desc(),
                       {{DNNL_ARG_SRC, WrapTensor(prep->pd.src_desc(), *x)},
                        {DNNL_ARG_DST, WrapTensor(prep->pd.dst_desc(), *y)}});
      return Status::Ok();
    });
  }

 private:
  struct Prepared {
    dnnl::pooling_v2_forward::primitive_desc pd;
    dnnl::pooling_v2_forward pool;
    Shape y_shape;
  };

  // Null (and OK) when oneDNN cannot express this pooling exactly.
  StatusOr<std::shared_ptr<const Prepared>> GetPrepared(const Shape& x, const std::string& where) const {
    Shape key = x;
    key.push_back(OpenMpMaxThreads());  // a primitive must not run on more threads than it was made for
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    std::vector<int64_t> input = {x[2], x[3]};
    nn::WindowAttributes attrs = config_.window;
    if (config_.global) attrs.kernel_shape = input;
    if (attrs.kernel_shape.size() != 2) {
      return InvalidArgument(where + ": kernel_shape must have 2 values for a 4-D input");
    }
    ASSIGN_OR_RETURN(nn::WindowGeometry g, nn::ResolveForwardGeometry(attrs, input, attrs.kernel_shape, where));
    memory::dims pad_r(2);
    for (int i = 0; i < 2; ++i) {
      const int64_t eff_k = (g.kernel[i] - 1) * g.dilations[i] + 1;
      const int64_t exact = (g.output[i] - 1) * g.strides[i] + eff_k - g.input[i] - g.pad_head[i];
      // Extra tail padding (ceil_mode) would be counted by oneDNN's include-padding average.
      if (exact > g.pad_tail[i] && config_.count_include_pad) return std::shared_ptr<const Prepared>();
      pad_r[i] = std::max(exact, g.pad_tail[i]);
      if (g.output[i] <= 0) return std::shared_ptr<const Prepared>();
    }
    memory::dims src_dims = ToDims(x);
    memory::dims dst_dims = {x[0], x[1], g.output[0], g.output[1]};
    auto p = std::make_shared<Prepared>();
    memory::desc src_md = config_.blocked ? memory::desc(src_dims, memory::data_type::f32, tag::aBcd16b) : PlainDesc(src_dims);
    memory::desc dst_md = config_.blocked ? memory::desc(dst_dims, memory::data_type::f32, tag::aBcd16b) : PlainDesc(dst_dims);
    dnnl::algorithm alg = config_.alg;
    if (alg == dnnl::algorithm::pooling_avg_exclude_padding && config_.count_include_pad) {
      alg = dnnl::algorithm::pooling_avg_include_padding;
    }
    dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference, alg, src_md, dst_md,
                                        {g.strides[0], g.strides[1]}, {g.kernel[0], g.kernel[1]},
                                        {g.dilations[0] - 1, g.dilations[1] - 1}, {g.pad_head[0], g.pad_head[1]},
                                        pad_r);
    try {
      p->pd = dnnl::pooling_v2_forward::primitive_desc(desc, DefaultAttr(), CpuEngine());
    } catch (const dnnl::error& e) {
      if (e.status == dnnl_unimplemented || e.status == dnnl_invalid_arguments) return std::shared_ptr<const Prepared>();
      throw;
    }
    p->pool = dnnl::pooling_v2_forward(p->pd);
    p->y_shape = config_.blocked ? Shape{x[0], x[1] / 16, g.output[0], g.output[1], 16}
                                 : Shape{x[0], x[1], g.output[0], g.output[1]};
    cache_.emplace(std::move(key), p);
    return std::shared_ptr<const Prepared>(p);
  }

  Config config_;
  std::unique_ptr<OpKernel> fallback_;
  mutable std::mutex mu_;
  mutable std::map<Shape, std::shared_ptr<const Prepared>> cache_;  // guarded by mu_
};

StatusOr<std::unique_ptr<OpKernel>> Create(const KernelInfo& info, dnnl::algorithm alg, bool global, bool blocked) {
  PoolDnnl::Config config;
  config.alg = alg;
  config.global = global;
  config.blocked = blocked;
  if (!global) {
    ASSIGN_OR_RETURN(config.window, nn::WindowAttributes::Read(info));
    if (config.window.kernel_shape.empty()) {
      return InvalidArgument(info.NodeLabel() + ": required attribute 'kernel_shape' is missing");
    }
    config.count_include_pad = info.GetInt("count_include_pad", 0) != 0;
  }
  std::unique_ptr<OpKernel> fallback;
  if (!blocked) {
    if (info.num_outputs() > 1 && !info.node().outputs[1].empty()) return DeclineNode();  // MaxPool Indices
    ASSIGN_OR_RETURN(fallback, CreateReferenceKernel(info));
  }
  return std::unique_ptr<OpKernel>(new PoolDnnl(std::move(config), std::move(fallback)));
}

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateMaxPool(const KernelInfo& info) {
  return Create(info, dnnl::algorithm::pooling_max, false, false);
}
StatusOr<std::unique_ptr<OpKernel>> CreateAveragePool(const KernelInfo& info) {
  return Create(info, dnnl::algorithm::pooling_avg_exclude_padding, false, false);
}
StatusOr<std::unique_ptr<OpKernel>> CreateGlobalAveragePool(const KernelInfo& info) {
  return Create(info, dnnl::algorithm::pooling_avg_exclude_padding, true, false);
}
StatusOr<std::unique_ptr<OpKernel>> CreateGlobalMaxPool(const KernelInfo& info) {
  return Create(info, dnnl::algorithm::pooling_max, true, false);
}
StatusOr<std::unique_ptr<OpKernel>> CreateBlockedMaxPool(const KernelInfo& info) {
  return Create(info, dnnl::algorithm::pooling_max, false, true);
}
StatusOr<std::unique_ptr<OpKernel>> CreateBlockedAveragePool(const KernelInfo& info) {
  return Create(info, dnnl::algorithm::pooling_avg_exclude_padding, false, true);
}
StatusOr<std::unique_ptr<OpKernel>> CreateBlockedGlobalAveragePool(const KernelInfo& info) {
  return Create(info, dnnl::algorithm::pooling_avg_exclude_padding, true, true);
}
StatusOr<std::unique_ptr<OpKernel>> CreateBlockedGlobalMaxPool(const KernelInfo& info) {
  return Create(info, dnnl::algorithm::pooling_max, true, true);
}

}  // namespace berth::dnnl_provider
