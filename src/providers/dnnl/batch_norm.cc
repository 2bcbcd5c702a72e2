#include "providers/dnnl/batch_norm.h"

#include <map>
#include <mutex>

#include "engine/thread_pool.h"
#include "providers/dnnl/dnnl_common.h"

namespace berth::dnnl_provider {

namespace {

using dnnl::memory;

class BatchNormDnnl final : public OpKernel {
 public:
  BatchNormDnnl(float epsilon, std::unique_ptr<OpKernel> fallback) : epsilon_(epsilon), fallback_(std::move(fallback)) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    const Tensor* params[4];
    for (int i = 0; i < 4; ++i) params[i] = ctx.input(i + 1);
    bool supported = x->dtype() == DataType::kFloat32 && x->rank() >= 2 && x->rank() <= 5 && x->numel() > 0;
    for (const Tensor* p : params) {
      supported = supported && p && p->dtype() == DataType::kFloat32 && p->numel() == x->dim(1);
    }
    if (!supported) return fallback_->Compute(ctx);
    std::shared_ptr<const Prepared> prep;
    RETURN_IF_ERROR(CatchDnnl(where, [&]() -> Status {
      prep = GetPrepared(x->shape());
      return Status::Ok();
    }));
    Tensor y_tensor = AllocateUninitializedOutput(ctx, 0, x->shape());
    Tensor* y = &y_tensor;
    return CatchDnnl(where, [&]() -> Status {
      memory::desc c_md({x->dim(1)}, memory::data_type::f32, memory::format_tag::a);
      ExecutePrimitive(prep->bn, prep->pd.scratchpad_desc(),
                       {{DNNL_ARG_SRC, WrapTensor(prep->pd.src_desc(), *x)},
                        {DNNL_ARG_SCALE, WrapTensor(c_md, *params[0])},
                        {DNNL_ARG_SHIFT, WrapTensor(c_md, *params[1])},
                        {DNNL_ARG_MEAN, WrapTensor(c_md, *params[2])},
                        {DNNL_ARG_VARIANCE, WrapTensor(c_md, *params[3])},
                        {DNNL_ARG_DST, WrapTensor(prep->pd.dst_desc(), *y)}});
      return Status::Ok();
    });
  }

 private:
  struct Prepared {
    dnnl::batch_normalization_forward::primitive_desc pd;
    dnnl::batch_normalization_forward bn;
  };

  std::shared_ptr<const Prepared> GetPrepared(const Shape& shape) const {
    Shape key = shape;
    key.push_back(OpenMpMaxThreads());  // a primitive must not run on more threads than it was made for
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    auto p = std::make_shared<Prepared>();
    memory::desc md = PlainDesc(ToDims(shape));
    auto flags = dnnl::normalization_flags::use_global_stats | dnnl::normalization_flags::use_scale |
                 dnnl::normalization_flags::use_shift;
    dnnl::batch_normalization_forward::desc desc(dnnl::prop_kind::forward_inference, md, epsilon_, flags);
    p->pd = dnnl::batch_normalization_forward::primitive_desc(desc, DefaultAttr(), CpuEngine());
    p->bn = dnnl::batch_normalization_forward(p->pd);
    cache_.emplace(std::move(key), p);
    return p;
  }

  float epsilon_;
  std::unique_ptr<OpKernel> fallback_;
  mutable std::mutex mu_;
  mutable std::map<Shape, std::shared_ptr<const Prepared>> cache_;  // guarded by mu_
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateBatchNormalization(const KernelInfo& info) {
  const bool spatial = info.opset() >= 9 || info.GetInt("spatial", 1) != 0;
  const bool training_mode = info.opset() >= 14 && info.GetInt("training_mode", 0) != 0;
  bool statistics_wanted = false;
  for (size_t i = 1; i < info.node().outputs.size(); ++i) statistics_wanted |= !info.node().outputs[i].empty();
  if (!spatial || training_mode || statistics_wanted || info.num_inputs() != 5) return DeclineNode();
  ASSIGN_OR_RETURN(std::unique_ptr<OpKernel> fallback, CreateReferenceKernel(info));
  return std::unique_ptr<OpKernel>(new BatchNormDnnl(info.GetFloat("epsilon", 1e-5f), std::move(fallback)));
}

}  // namespace berth::dnnl_provider
