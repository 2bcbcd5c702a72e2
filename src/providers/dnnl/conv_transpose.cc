#include "providers/dnnl/conv_transpose.h"

#include <map>
#include <mutex>
#include <optional>

#include "engine/thread_pool.h"
#include "providers/dnnl/dnnl_common.h"

namespace berth::dnnl_provider {

namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;

struct Geometry {
  memory::dims strides, dilates, pad_l, pad_r;
  Shape y;  // [N, M, OH, OW]
};

class ConvTransposeDnnl final : public OpKernel {
 public:
  struct Attrs {
    int64_t group = 1;
    bool valid = false;  // auto_pad VALID
    std::vector<int64_t> kernel_shape, strides, dilations, pads, output_padding;
  };

  ConvTransposeDnnl(Attrs attrs, std::unique_ptr<OpKernel> fallback, const Tensor* weights)
      : attrs_(std::move(attrs)), fallback_(std::move(fallback)) {
    if (weights) weights_ = *weights;
  }

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* w, ctx.RequireInput(1));
    const Tensor* b = ctx.input(2);
    std::optional<Geometry> g = Resolve(*x, *w, b);
    if (!g) return fallback_->Compute(ctx);  // not ours, or malformed: the reference explains
    std::shared_ptr<const Prepared> prep;
    RETURN_IF_ERROR(CatchDnnl(where, [&]() -> Status {
      prep = GetPrepared(*x, *w, b != nullptr, *g);
      return Status::Ok();
    }));
    if (!prep) return fallback_->Compute(ctx);
    Tensor y_tensor = AllocateUninitializedOutput(ctx, 0, g->y);
    return CatchDnnl(where, [&]() -> Status {
      std::unordered_map<int, memory> args;
      memory src = WrapTensor(prep->src_user, *x);
      if (prep->pd.src_desc() != prep->src_user) {
        memory tmp(prep->pd.src_desc(), CpuEngine());
        dnnl::reorder(src, tmp).execute(ThreadStream(), src, tmp);
        src = tmp;
      }
      args[DNNL_ARG_SRC] = src;
      if (prep->packed_weights) {
        args[DNNL_ARG_WEIGHTS] = *prep->packed_weights;
      } else {
        memory wm = WrapTensor(prep->weights_user, *w);
        memory tmp(prep->pd.weights_desc(), CpuEngine());
        dnnl::reorder(wm, tmp).execute(ThreadStream(), wm, tmp);
        args[DNNL_ARG_WEIGHTS] = tmp;
      }
      if (b) args[DNNL_ARG_BIAS] = WrapTensor(prep->pd.bias_desc(), *b);
      memory dst_user = WrapTensor(prep->dst_user, y_tensor);
      memory dst = prep->pd.dst_desc() == prep->dst_user ? dst_user : memory(prep->pd.dst_desc(), CpuEngine());
      args[DNNL_ARG_DST] = dst;
      ExecutePrimitive(prep->deconv, prep->pd.scratchpad_desc(), std::move(args));
      if (prep->pd.dst_desc() != prep->dst_user) {
        dnnl::reorder(dst, dst_user).execute(ThreadStream(), dst, dst_user);
        ThreadStream().wait();
      }
      return Status::Ok();
    });
  }

 private:
  struct Prepared {
    dnnl::deconvolution_forward::primitive_desc pd;
    dnnl::deconvolution_forward deconv;
    memory::desc src_user, weights_user, dst_user;
    std::optional<memory> packed_weights;
  };

  static std::vector<int64_t> OrDefault(const std::vector<int64_t>& v, size_t n, int64_t value) {
    return v.empty() ? std::vector<int64_t>(n, value) : v;
  }

  // The geometry when this is a case oneDNN runs exactly as ONNX defines it; nullopt otherwise.
  std::optional<Geometry> Resolve(const Tensor& x, const Tensor& w, const Tensor* b) const {
    const int64_t group = attrs_.group;
    if (x.dtype() != DataType::kFloat32 || w.dtype() != DataType::kFloat32 || x.rank() != 4 || w.rank() != 4) return {};
    if (b && (b->dtype() != DataType::kFloat32 || b->rank() != 1 || b->dim(0) != w.dim(1) * group)) return {};
    if (w.dim(0) != x.dim(1) || x.dim(1) % group != 0 || x.numel() == 0) return {};
    std::vector<int64_t> kernel = {w.dim(2), w.dim(3)};
    if (!attrs_.kernel_shape.empty() && attrs_.kernel_shape != kernel) return {};
    std::vector<int64_t> s = OrDefault(attrs_.strides, 2, 1), d = OrDefault(attrs_.dilations, 2, 1);
    std::vector<int64_t> p = attrs_.valid ? std::vector<int64_t>(4, 0) : OrDefault(attrs_.pads, 4, 0);
    std::vector<int64_t> op = OrDefault(attrs_.output_padding, 2, 0);
    if (s.size() != 2 || d.size() != 2 || p.size() != 4 || op.size() != 2) return {};
    Geometry g;
    g.y = {x.dim(0), w.dim(1) * group, 0, 0};
    for (int i = 0; i < 2; ++i) {
      const int64_t eff_k = (kernel[i] - 1) * d[i] + 1;
      const int64_t out = s[i] * (x.dim(2 + i) - 1) + op[i] + eff_k - p[i] - p[i + 2];
      if (out <= 0 || p[i + 2] - op[i] < 0 || s[i] <= 0 || d[i] <= 0) return {};
      g.y[2 + i] = out;
    }
    g.strides = {s[0], s[1]};
    g.dilates = {d[0] - 1, d[1] - 1};
    g.pad_l = {p[0], p[1]};
    g.pad_r = {p[2] - op[0], p[3] - op[1]};  // output_padding: extra rows/columns at the end
    return g;
  }

  std::shared_ptr<const Prepared> GetPrepared(const Tensor& x, const Tensor& w, bool has_bias, const Geometry& g) const {
    Shape key = x.shape();
    if (!weights_.defined()) key.insert(key.end(), w.shape().begin(), w.shape().end());
    key.push_back(has_bias);
    key.push_back(OpenMpMaxThreads());  // a primitive must not run on more threads than it was made for
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    const int64_t group = attrs_.group;
    auto p = std::make_shared<Prepared>();
    memory::dims src_dims = ToDims(x.shape()), dst_dims = ToDims(g.y);
    // ONNX W is [C, M/group, kH, kW]: oneDNN's (g)iohw.
    p->weights_user = group == 1
                          ? memory::desc({w.dim(1), w.dim(0), w.dim(2), w.dim(3)}, memory::data_type::f32, tag::iohw)
                          : memory::desc({group, w.dim(1), w.dim(0) / group, w.dim(2), w.dim(3)},
                                         memory::data_type::f32, tag::giohw);
    p->src_user = PlainDesc(src_dims);
    p->dst_user = PlainDesc(dst_dims);
    memory::desc any_src(src_dims, memory::data_type::f32, tag::any), any_dst(dst_dims, memory::data_type::f32, tag::any);
    memory::desc any_w(p->weights_user.dims(), memory::data_type::f32, tag::any);
    auto desc = has_bias ? dnnl::deconvolution_forward::desc(
                               dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct, any_src, any_w,
                               memory::desc({g.y[1]}, memory::data_type::f32, tag::a), any_dst, g.strides, g.dilates,
                               g.pad_l, g.pad_r)
                         : dnnl::deconvolution_forward::desc(dnnl::prop_kind::forward_inference,
                                                             dnnl::algorithm::deconvolution_direct, any_src, any_w,
                                                             any_dst, g.strides, g.dilates, g.pad_l, g.pad_r);
    try {
      p->pd = dnnl::deconvolution_forward::primitive_desc(desc, DefaultAttr(), CpuEngine());
    } catch (const dnnl::error& e) {
      if (e.status == dnnl_unimplemented || e.status == dnnl_invalid_arguments) return nullptr;
      throw;
    }
    p->deconv = dnnl::deconvolution_forward(p->pd);
    if (weights_.defined()) p->packed_weights = ReorderTo(WrapTensor(p->weights_user, weights_), p->pd.weights_desc());
    cache_.emplace(std::move(key), p);
    return p;
  }

  Attrs attrs_;
  std::unique_ptr<OpKernel> fallback_;
  Tensor weights_;  // constant weights (undefined when W is a run-time input)
  mutable std::mutex mu_;
  mutable std::map<Shape, std::shared_ptr<const Prepared>> cache_;  // guarded by mu_
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateConvTranspose(const KernelInfo& info) {
  const std::string auto_pad = info.GetString("auto_pad", "NOTSET");
  if (info.HasAttribute("output_shape") || (auto_pad != "NOTSET" && auto_pad != "VALID")) return DeclineNode();
  const Tensor* w = info.ConstantInput(1);
  if (w && (w->dtype() != DataType::kFloat32 || w->rank() != 4)) return DeclineNode();
  ConvTransposeDnnl::Attrs attrs;
  attrs.group = info.GetInt("group", 1);
  if (attrs.group <= 0) return DeclineNode();  // the reference reports it
  attrs.valid = auto_pad == "VALID";
  attrs.kernel_shape = info.GetInts("kernel_shape");
  attrs.strides = info.GetInts("strides");
  attrs.dilations = info.GetInts("dilations");
  attrs.pads = info.GetInts("pads");
  attrs.output_padding = info.GetInts("output_padding");
  ASSIGN_OR_RETURN(std::unique_ptr<OpKernel> fallback, CreateReferenceKernel(info));
  return std::unique_ptr<OpKernel>(new ConvTransposeDnnl(std::move(attrs), std::move(fallback), w));
}

}  // namespace berth::dnnl_provider
