// Conv / FusedConv / BlockedConv on oneDNN (2-D, float32).
//
// Factory: reads the window attributes (shared with the reference kernels, so geometry and
// validation are identical) and keeps the constant weights and bias. Compute: a primitive per input
// shape, created on first use and cached (Compute is const and may run concurrently: the cache is
// guarded by mu_). Constant weights are reordered once into the layout the primitive chose
// (format_tag::any) and shared by every cached primitive that wants that layout.
//
// Layouts: ai.onnx Conv and FusedConv read and write plain NCHW; the primitive still computes in the
// layout oneDNN prefers, with reorders in and out (the blocked-layout pass removes them along chains).
// BlockedConv writes nChw16c as a 5-D tensor [N, ceil(M/16), OH, OW, 16] (padding channels zero) and
// reads either that (src_blocked=1) or plain NCHW (src_blocked=0: the first layer, few channels).
// Anything the primitive cannot take (other element types, 1-D/3-D) runs on the reference kernel.
//
// Algorithm: 3x3 stride-1 convolutions with enough output pixels run on oneDNN's Winograd kernels
// (about twice as fast here; results differ from a direct sum by ~1e-5 relative), everything else
// on the direct ones. BERTH_DNNL_WINOGRAD=0 in the environment turns Winograd off.

#include "providers/dnnl/conv.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <map>
#include <optional>
#include <mutex>
#include <vector>

#include "engine/thread_pool.h"
#include "providers/dnnl/dnnl_common.h"
#include "providers/reference/nn/conv.h"
#include "providers/reference/nn/conv_geometry.h"

namespace berth::dnnl_provider {

namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;

// 3x3 convolutions with fewer output pixels than this (all images together) keep the direct kernel:
// measured on 512 channels, 7x7 maps are a toss-up at batch 1 and twice as fast on Winograd at 8.
constexpr int64_t kMinWinogradOutputPixels = 14 * 14;
// Nor does a convolution whose Winograd weights would take more than this beyond the plain ones
// (they stay in memory for the model's lifetime): F(4x4,3x3) on 512x512 channels would add 28 MiB
// per layer, +115 MiB peak RSS on ResNet-50 at batch 8.
constexpr size_t kMaxWinogradExtraWeightBytes = size_t{4} << 20;

// Winograd for 3x3 convolutions, unless BERTH_DNNL_WINOGRAD=0 (to rule out its rounding when
// comparing results bit for bit with other engines, or to measure the direct kernels).
bool WinogradEnabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("BERTH_DNNL_WINOGRAD");
    return v == nullptr || std::string(v) != "0";
  }();
  return enabled;
}

class ConvDnnl final : public OpKernel {
 public:
  struct Config {
    nn::WindowAttributes window;
    int64_t group = 1;
    std::vector<EltwiseOp> activation;
    bool has_sum = false;       // input 3 (Z) is added before the activation
    bool blocked = false;       // output (and Z) nChw16c; BlockedConv
    bool src_blocked = false;   // input nChw16c (BlockedConv with src_blocked=1)
  };

  ConvDnnl(Config config, std::unique_ptr<OpKernel> fallback, const Tensor* weights)
      : config_(std::move(config)), fallback_(std::move(fallback)) {
    if (weights) weights_ = *weights;
  }

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* w, ctx.RequireInput(1));
    const Tensor* b = ctx.input(2);
    const Tensor* z = config_.has_sum ? ctx.input(3) : nullptr;
    const bool f32 = x->dtype() == DataType::kFloat32 && w->dtype() == DataType::kFloat32 &&
                     (!b || b->dtype() == DataType::kFloat32) && (!z || z->dtype() == DataType::kFloat32);
    if (!config_.blocked && (!f32 || x->rank() != 4 || w->rank() != 4)) {
      if (!fallback_) return Internal(where + ": no fallback kernel");
      return fallback_->Compute(ctx);
    }
    if (!f32) return InvalidArgument(where + ": expects float32 inputs");
    if (w->rank() != 4) return InvalidArgument(where + ": W must be 4-D, got " + ShapeToString(w->shape()));
    // Logical (NCHW) shape of X for validation and the primitive.
    Shape x_logical = x->shape();
    if (config_.src_blocked) {
      const int64_t channels = w->dim(1) * config_.group;
      if (x->rank() != 5 || x->dim(4) != 16 || x->dim(1) != ChannelBlocks(channels)) {
        return InvalidArgument(where + ": blocked input " + ShapeToString(x->shape()) + " does not hold " +
                               std::to_string(channels) + " channels as [N, C/16, H, W, 16]");
      }
      x_logical = {x->dim(0), channels, x->dim(2), x->dim(3)};
    } else if (x->rank() != 4) {
      return InvalidArgument(where + ": X must be 4-D, got " + ShapeToString(x->shape()));
    }
    const Tensor x_shape_only = Tensor::Wrap(DataType::kFloat32, x_logical, nullptr, nullptr);
    ASSIGN_OR_RETURN(nn::ConvShapes shapes, nn::ValidateConv(config_.window, config_.group, x_shape_only, *w, b, where));
    const nn::WindowGeometry& g = shapes.geometry;
    Shape y_shape = {shapes.batch, shapes.out_channels, g.output[0], g.output[1]};
    Shape y_tensor_shape = y_shape;
    if (config_.blocked) y_tensor_shape = {y_shape[0], ChannelBlocks(y_shape[1]), y_shape[2], y_shape[3], 16};
    if (z && z->shape() != y_tensor_shape) {
      return InvalidArgument(where + ": input 3 ('Z') has shape " + ShapeToString(z->shape()) +
                             ", expected the output shape " + ShapeToString(y_tensor_shape));
    }
    if (shapes.batch == 0 || NumElements(y_shape) == 0 || x->numel() == 0) {
      if (!config_.blocked && fallback_) return fallback_->Compute(ctx);
      ctx.AllocateOutput(0, DataType::kFloat32, y_tensor_shape);
      return Status::Ok();
    }

    std::shared_ptr<const Prepared> prep;
    RETURN_IF_ERROR(CatchDnnl(where, [&]() -> Status {
      ASSIGN_OR_RETURN(prep, GetPrepared(x_logical, *w, b != nullptr, shapes));
      return Status::Ok();
    }));
    if (!prep) {  // oneDNN has no implementation for this case
      if (!config_.blocked && fallback_) return fallback_->Compute(ctx);
      return Unimplemented(where + ": oneDNN cannot run this convolution");
    }
    Tensor y_tensor = AllocateUninitializedOutput(ctx, 0, y_tensor_shape);
    Tensor* y = &y_tensor;
    return CatchDnnl(where, [&]() -> Status {
      std::unordered_map<int, memory> args;
      // Source.
      memory src = WrapTensor(prep->src_user, *x);
      if (prep->src_reorder) {
        memory tmp(prep->pd.src_desc(), CpuEngine());
        ExecutePrimitive(*prep->src_reorder, memory::desc(), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, tmp}});
        src = tmp;
      }
      args[DNNL_ARG_SRC] = src;
      // Weights: prepacked, or reordered now when they are a run-time input.
      if (prep->packed_weights) {
        args[DNNL_ARG_WEIGHTS] = *prep->packed_weights;
      } else {
        memory wm = WrapTensor(prep->weights_user, *w);
        if (prep->pd.weights_desc() != prep->weights_user) {
          memory tmp(prep->pd.weights_desc(), CpuEngine());
          dnnl::reorder(wm, tmp).execute(ThreadStream(), wm, tmp);
          wm = tmp;
        }
        args[DNNL_ARG_WEIGHTS] = wm;
      }
      if (b) args[DNNL_ARG_BIAS] = WrapTensor(prep->pd.bias_desc(), *b);
      // Destination (holding Z first for the sum post-op).
      memory dst_user = WrapTensor(prep->dst_user, *y);
      memory dst = dst_user;
      if (prep->dst_reorder) dst = memory(prep->pd.dst_desc(), CpuEngine());
      if (z && config_.blocked && !prep->z_via_sum) {
        // Blocked: Z is read by the binary-add post-op (index 0), dst is written fresh.
        args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1] = WrapTensor(prep->dst_user, *z);
      } else if (z) {
        if (prep->dst_reorder) {
          memory zm = WrapTensor(prep->dst_user, *z);
          dnnl::reorder(zm, dst).execute(ThreadStream(), zm, dst);
        } else {
          std::memcpy(y->raw_data(), z->raw_data(), y->nbytes());
        }
      }
      args[DNNL_ARG_DST] = dst;
      ExecutePrimitive(prep->conv, prep->pd.scratchpad_desc(), std::move(args));
      if (prep->dst_reorder) {
        ExecutePrimitive(*prep->dst_reorder, memory::desc(), {{DNNL_ARG_FROM, dst}, {DNNL_ARG_TO, dst_user}});
      }
      return Status::Ok();
    });
  }

 private:
  struct Prepared {
    dnnl::convolution_forward::primitive_desc pd;
    dnnl::convolution_forward conv;
    memory::desc src_user, weights_user, dst_user;  // the layouts of our tensors
    std::optional<dnnl::reorder> src_reorder;        // user src -> pd.src_desc()
    std::optional<dnnl::reorder> dst_reorder;        // pd.dst_desc() -> user dst
    std::optional<memory> packed_weights;           // constant weights in pd.weights_desc()
    bool z_via_sum = false;  // Z is copied into dst and added by a sum post-op (else, when blocked,
                             // read by a binary-add post-op)
  };

  // Null (and OK) when oneDNN has no implementation. Throws dnnl::error on other failures.
  StatusOr<std::shared_ptr<const Prepared>> GetPrepared(const Shape& x_logical, const Tensor& w, bool has_bias,
                                                       const nn::ConvShapes& shapes) const {
    Shape key = x_logical;
    if (!weights_.defined()) key.insert(key.end(), w.shape().begin(), w.shape().end());
    key.push_back(has_bias);
    key.push_back(OpenMpMaxThreads());  // a primitive must not run on more threads than it was made for
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;

    const nn::WindowGeometry& g = shapes.geometry;
    const int64_t group = config_.group;
    memory::dims src_dims = ToDims(x_logical);
    memory::dims dst_dims = {shapes.batch, shapes.out_channels, g.output[0], g.output[1]};
    memory::dims w_dims = group == 1 ? ToDims(w.shape())
                                     : memory::dims{group, w.dim(0) / group, w.dim(1), w.dim(2), w.dim(3)};
    memory::dims strides = {g.strides[0], g.strides[1]};
    memory::dims dilates = {g.dilations[0] - 1, g.dilations[1] - 1};
    memory::dims pad_l = {g.pad_head[0], g.pad_head[1]};
    memory::dims pad_r(2);
    for (int i = 0; i < 2; ++i) {
      // The tail padding that makes oneDNN's output size equal ours (ceil_mode never applies to Conv,
      // but SAME_* and uneven strides do).
      const int64_t eff_k = (g.kernel[i] - 1) * g.dilations[i] + 1;
      pad_r[i] = std::max<int64_t>(g.pad_tail[i], (g.output[i] - 1) * g.strides[i] + eff_k - g.input[i] - g.pad_head[i]);
    }
    auto p = std::make_shared<Prepared>();
    p->src_user = config_.src_blocked ? memory::desc(src_dims, memory::data_type::f32, tag::aBcd16b)
                                      : PlainDesc(src_dims);
    p->dst_user = config_.blocked ? memory::desc(dst_dims, memory::data_type::f32, tag::aBcd16b) : PlainDesc(dst_dims);
    p->weights_user = PlainDesc(w_dims);
    // Blocked nodes fix their activation layout; plain ones let oneDNN choose and reorder around it,
    // except for few input channels, where the plain-source ("first layer") kernels are the fast ones.
    const bool plain_src_fast = !config_.src_blocked && group == 1 && x_logical[1] < 16;
    memory::desc src_md = config_.src_blocked || plain_src_fast ? p->src_user
                                                                 : memory::desc(src_dims, memory::data_type::f32, tag::any);
    memory::desc dst_md = config_.blocked ? p->dst_user : memory::desc(dst_dims, memory::data_type::f32, tag::any);
    memory::desc w_md(w_dims, memory::data_type::f32, tag::any);
    // Z: blocked nodes read it with a binary-add post-op (no copy into dst); plain nodes, whose dst
    // layout oneDNN picks, copy or reorder Z into dst and use the sum post-op (so do blocked nodes
    // on kernels without binary post-ops: Winograd).
    auto make_pd = [&](dnnl::algorithm alg, bool z_via_sum) -> std::optional<dnnl::convolution_forward::primitive_desc> {
      dnnl::primitive_attr attr = DefaultAttr();
      dnnl::post_ops ops;
      if (config_.has_sum && !z_via_sum) ops.append_binary(dnnl::algorithm::binary_add, p->dst_user);
      if (config_.has_sum && z_via_sum) ops.append_sum(1.0f);
      AppendEltwise(ops, config_.activation);
      attr.set_post_ops(ops);
      auto desc = has_bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, alg, src_md, w_md,
                                                             memory::desc({shapes.out_channels}, memory::data_type::f32, tag::a),
                                                             dst_md, strides, dilates, pad_l, pad_r)
                           : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, alg, src_md, w_md,
                                                             dst_md, strides, dilates, pad_l, pad_r);
      try {
        return dnnl::convolution_forward::primitive_desc(desc, attr, CpuEngine());
      } catch (const dnnl::error& e) {
        if (e.status == dnnl_unimplemented) return std::nullopt;
        throw;
      }
    };
    std::optional<dnnl::convolution_forward::primitive_desc> pd;
    // 3x3 stride-1 convolutions: Winograd (F(2x2,3x3) / F(4x4,3x3)) does 2-4x fewer multiplications;
    // measured 1.4-2x faster than the direct kernel on 14x14..56x56 maps here, with differences from
    // it of ~1e-5 relative. oneDNN's own choice (convolution_auto) keeps the direct kernel at batch 1.
    // On tiny outputs the transforms eat the gain, so those stay direct.
    const bool winograd = WinogradEnabled() && group == 1 && g.kernel[0] == 3 && g.kernel[1] == 3 &&
                          g.strides[0] == 1 && g.strides[1] == 1 && g.dilations[0] == 1 && g.dilations[1] == 1 &&
                          shapes.batch * g.output[0] * g.output[1] >= kMinWinogradOutputPixels;
    if (winograd) {
      pd = make_pd(dnnl::algorithm::convolution_winograd, /*z_via_sum=*/!config_.blocked);
      if (pd) p->z_via_sum = !config_.blocked;
      if (!pd && config_.has_sum && config_.blocked) {
        pd = make_pd(dnnl::algorithm::convolution_winograd, /*z_via_sum=*/true);
        if (pd) p->z_via_sum = true;
      }
      // Winograd weights are transformed tiles: 16/9 (F(2x2)) or 36/9 (F(4x4)) of the plain size.
      const size_t plain_bytes = static_cast<size_t>(NumElements(w.shape())) * sizeof(float);
      if (pd && pd->weights_desc().get_size() > plain_bytes + kMaxWinogradExtraWeightBytes) pd.reset();
    }
    if (!pd) {
      p->z_via_sum = !config_.blocked;
      pd = make_pd(dnnl::algorithm::convolution_direct, p->z_via_sum);
    }
    if (!pd) return std::shared_ptr<const Prepared>();
    p->pd = *pd;
    p->conv = dnnl::convolution_forward(p->pd);
    if (p->pd.src_desc() != p->src_user) {
      p->src_reorder = dnnl::reorder(dnnl::reorder::primitive_desc(CpuEngine(), p->src_user, CpuEngine(), p->pd.src_desc()));
    }
    if (p->pd.dst_desc() != p->dst_user) {
      p->dst_reorder = dnnl::reorder(dnnl::reorder::primitive_desc(CpuEngine(), p->pd.dst_desc(), CpuEngine(), p->dst_user));
    }
    if (weights_.defined()) {
      for (const memory& packed : packed_) {
        if (packed.get_desc() == p->pd.weights_desc()) p->packed_weights = packed;
      }
      if (!p->packed_weights) {
        memory user = WrapTensor(p->weights_user, weights_);
        p->packed_weights = p->pd.weights_desc() == p->weights_user ? user : ReorderTo(user, p->pd.weights_desc());
        packed_.push_back(*p->packed_weights);
      }
    }
    cache_.emplace(std::move(key), p);
    return std::shared_ptr<const Prepared>(p);
  }

  Config config_;
  std::unique_ptr<OpKernel> fallback_;
  Tensor weights_;  // constant weights (undefined when W is a run-time input)
  mutable std::mutex mu_;
  mutable std::map<Shape, std::shared_ptr<const Prepared>> cache_;  // guarded by mu_
  mutable std::vector<memory> packed_;                              // guarded by mu_
};

StatusOr<std::unique_ptr<OpKernel>> Create(const KernelInfo& info, bool fused, bool blocked) {
  ConvDnnl::Config config;
  ASSIGN_OR_RETURN(config.window, nn::WindowAttributes::Read(info));
  config.group = info.GetInt("group", 1);
  if (config.group <= 0) return InvalidArgument(info.NodeLabel() + ": group must be positive");
  if (fused || blocked) {
    ASSIGN_OR_RETURN(config.activation, ReadFusedActivation(info));
    config.has_sum = info.has_input(3);
  }
  config.blocked = blocked;
  config.src_blocked = blocked && info.GetInt("src_blocked", 1) != 0;
  const Tensor* w = info.ConstantInput(1);
  if (w && (w->dtype() != DataType::kFloat32 || w->rank() != 4)) {
    if (blocked) return InvalidArgument(info.NodeLabel() + ": blocked convolution needs 4-D float32 weights");
    return DeclineNode();  // known now: not ours
  }
  std::unique_ptr<OpKernel> fallback;
  if (!blocked) {
    auto ref = CreateReferenceKernel(info);
    if (ref.ok()) {
      fallback = std::move(ref).value();
    } else if (!fused || ref.status().code() != StatusCode::kUnimplemented) {
      return ref.status();
    }
  }
  return std::unique_ptr<OpKernel>(new ConvDnnl(std::move(config), std::move(fallback), w));
}

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateConv(const KernelInfo& info) { return Create(info, false, false); }
StatusOr<std::unique_ptr<OpKernel>> CreateFusedConv(const KernelInfo& info) { return Create(info, true, false); }
StatusOr<std::unique_ptr<OpKernel>> CreateBlockedConv(const KernelInfo& info) { return Create(info, true, true); }

}  // namespace berth::dnnl_provider
