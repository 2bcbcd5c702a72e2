#include "providers/dnnl/blocked_ops.h"

#include <map>
#include <mutex>

#include "engine/thread_pool.h"
#include "providers/dnnl/dnnl_common.h"

namespace berth::dnnl_provider {

namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;

class ReorderBlockedKernel final : public OpKernel {
 public:
  ReorderBlockedKernel(bool to_blocked, int64_t channels) : to_blocked_(to_blocked), channels_(channels) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    if (x->dtype() != DataType::kFloat32) return InvalidArgument(where + ": expects float32, got " + x->Describe());
    Shape logical, y_shape;
    if (to_blocked_) {
      if (x->rank() != 4) return InvalidArgument(where + ": expects a 4-D [N, C, H, W] input, got " + x->Describe());
      logical = x->shape();
      y_shape = {x->dim(0), ChannelBlocks(x->dim(1)), x->dim(2), x->dim(3), 16};
    } else {
      if (x->rank() != 5 || x->dim(4) != 16 || x->dim(1) != ChannelBlocks(channels_)) {
        return InvalidArgument(where + ": expects a blocked [N, " + std::to_string(ChannelBlocks(channels_)) +
                               ", H, W, 16] input, got " + x->Describe());
      }
      logical = {x->dim(0), channels_, x->dim(2), x->dim(3)};
      y_shape = logical;
    }
    if (x->numel() == 0 || NumElements(y_shape) == 0) {
      ctx.AllocateOutput(0, DataType::kFloat32, y_shape);
      return Status::Ok();
    }
    Tensor y_tensor = AllocateUninitializedOutput(ctx, 0, y_shape);
    Tensor* y = &y_tensor;
    return CatchDnnl(where, [&]() -> Status {
      std::shared_ptr<const Prepared> prep = GetPrepared(logical);
      ExecutePrimitive(prep->reorder, memory::desc(),
                       {{DNNL_ARG_FROM, WrapTensor(prep->from, *x)}, {DNNL_ARG_TO, WrapTensor(prep->to, *y)}});
      return Status::Ok();
    });
  }

 private:
  struct Prepared {
    memory::desc from, to;
    dnnl::reorder reorder;
  };

  std::shared_ptr<const Prepared> GetPrepared(const Shape& logical) const {
    Shape key = logical;
    key.push_back(OpenMpMaxThreads());  // a primitive must not run on more threads than it was made for
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    auto p = std::make_shared<Prepared>();
    memory::desc plain = PlainDesc(ToDims(logical));
    memory::desc blocked(ToDims(logical), memory::data_type::f32, tag::aBcd16b);
    p->from = to_blocked_ ? plain : blocked;
    p->to = to_blocked_ ? blocked : plain;
    p->reorder = dnnl::reorder(dnnl::reorder::primitive_desc(CpuEngine(), p->from, CpuEngine(), p->to));
    cache_.emplace(std::move(key), p);
    return p;
  }

  bool to_blocked_;
  int64_t channels_;
  mutable std::mutex mu_;
  mutable std::map<Shape, std::shared_ptr<const Prepared>> cache_;  // guarded by mu_
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateReorderToBlocked(const KernelInfo& info) {
  return MakeKernel<ReorderBlockedKernel>(true, 0);
}

StatusOr<std::unique_ptr<OpKernel>> CreateReorderFromBlocked(const KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t channels, info.RequireInt("channels"));
  if (channels <= 0) return InvalidArgument(info.NodeLabel() + ": channels must be positive");
  return MakeKernel<ReorderBlockedKernel>(false, channels);
}

}  // namespace berth::dnnl_provider
