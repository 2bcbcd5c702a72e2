// Element-wise activations on oneDNN's eltwise primitive (Relu, LeakyRelu, Sigmoid, Tanh, Exp, Log,
// Sqrt, Abs, Elu, HardSwish, Gelu, Clip), and the plumbing shared by the dense kernels (eltwise.h).
// Results agree with the reference kernels within float tolerance, special values included, except
// that oneDNN's Relu and Exp turn a NaN input into 0 and +inf (the reference propagates NaN);
// tensors below kMinEltwiseElements run on the reference kernel.

#include "providers/dnnl/eltwise.h"

#include <cstdlib>
#include <cstring>
#include <limits>

#include "engine/thread_pool.h"
#include "providers/reference/register.h"

namespace berth::dnnl_dense {

// ---- Plumbing ----

const dnnl::engine& CpuEngine() {
  static const dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

dnnl::stream& ThreadStream() {
  thread_local dnnl::stream stream(CpuEngine());
  return stream;
}

void* ThreadScratchpad(size_t bytes) {
  struct Buffer {
    void* data = nullptr;
    size_t size = 0;
    ~Buffer() { std::free(data); }
  };
  thread_local Buffer buffer;
  if (bytes > buffer.size) {
    std::free(buffer.data);
    const size_t size = (bytes + 63) / 64 * 64;
    buffer.data = std::aligned_alloc(64, size);
    buffer.size = buffer.data ? size : 0;
  }
  return buffer.data;
}

dnnl::primitive_attr BaseAttr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

namespace {
thread_local int64_t executions = 0;
}  // namespace

int64_t ThreadExecutionCount() { return executions; }

void Execute(const dnnl::primitive& prim, const dnnl::primitive_desc& pd,
             std::unordered_map<int, dnnl::memory> args) {
  const dnnl::memory::desc scratch = pd.scratchpad_desc();
  if (scratch.get_size() > 0) {
    args.emplace(DNNL_ARG_SCRATCHPAD,
                 dnnl::memory(scratch, CpuEngine(), ThreadScratchpad(scratch.get_size())));
  }
  dnnl::stream& stream = ThreadStream();
  prim.execute(stream, args);
  stream.wait();
  ++executions;
}

dnnl::memory::desc PlainDesc(const std::vector<int64_t>& dims) {
  dnnl::memory::dims d(dims.begin(), dims.end());
  if (d.empty()) d.push_back(1);
  dnnl::memory::dims strides(d.size(), 1);
  for (int i = static_cast<int>(d.size()) - 2; i >= 0; --i) strides[i] = strides[i + 1] * d[i + 1];
  return dnnl::memory::desc(d, dnnl::memory::data_type::f32, strides);
}

std::unique_ptr<OpKernel> CreateReferenceKernel(const KernelInfo& info) {
  static const KernelRegistry* reference = [] {
    auto* r = new KernelRegistry();
    RegisterReferenceKernels(*r);
    return r;
  }();
  const KernelRegistration* reg = reference->Find(info.node().domain, info.op_type(), info.opset());
  if (!reg) return nullptr;
  StatusOr<std::unique_ptr<OpKernel>> k = reg->create(info);
  if (!k.ok()) return nullptr;
  return std::move(k).value();
}

Status DnnlKernel::Fallback(KernelContext& ctx) const { return fallback_->Compute(ctx); }

int RunThreads(const KernelContext& ctx) {
  const ThreadPool* pool = ctx.thread_pool();
  return pool ? pool->num_threads() : 1;
}

bool AllFloat32(const KernelContext& ctx) {
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const Value* v = ctx.input_value(i);
    if (!v) continue;
    if (!v->is_tensor() || v->tensor().dtype() != DataType::kFloat32) return false;
  }
  return true;
}

// ---- Activations ----

std::optional<Activation> ParseActivation(const KernelInfo& info) {
  using K = Activation::Kind;
  const std::string name = info.GetString("activation", "");
  const std::vector<float> p = info.GetFloats("activation_params");
  Activation a;
  if (name.empty()) {
    a.kind = K::kNone;
  } else if (name == "Relu") {
    a.kind = K::kRelu;
  } else if (name == "LeakyRelu") {
    a.kind = K::kLeakyRelu;
    a.alpha = p.empty() ? 0.01f : p[0];
  } else if (name == "Clip") {
    a.kind = K::kClip;
    a.alpha = p.size() > 0 ? p[0] : -std::numeric_limits<float>::infinity();
    a.beta = p.size() > 1 ? p[1] : std::numeric_limits<float>::infinity();
  } else if (name == "Sigmoid") {
    a.kind = K::kSigmoid;
  } else if (name == "Tanh") {
    a.kind = K::kTanh;
  } else if (name == "HardSigmoid") {
    a.kind = K::kHardSigmoid;
    a.alpha = p.size() > 0 ? p[0] : 0.2f;
    a.beta = p.size() > 1 ? p[1] : 0.5f;
  } else if (name == "HardSwish") {
    a.kind = K::kHardSwish;
  } else if (name == "Gelu") {
    a.kind = K::kGelu;
  } else if (name == "GeluTanh") {
    a.kind = K::kGeluTanh;
  } else {
    return std::nullopt;
  }
  return a;
}

void AppendActivation(const Activation& act, dnnl::post_ops& ops) {
  using K = Activation::Kind;
  using A = dnnl::algorithm;
  switch (act.kind) {
    case K::kNone:
      break;
    case K::kRelu:
      ops.append_eltwise(1.f, A::eltwise_relu, 0.f, 0.f);
      break;
    case K::kLeakyRelu:
      ops.append_eltwise(1.f, A::eltwise_relu, act.alpha, 0.f);
      break;
    case K::kClip:
      ops.append_eltwise(1.f, A::eltwise_clip, act.alpha, act.beta);
      break;
    case K::kSigmoid:
      ops.append_eltwise(1.f, A::eltwise_logistic, 0.f, 0.f);
      break;
    case K::kTanh:
      ops.append_eltwise(1.f, A::eltwise_tanh, 0.f, 0.f);
      break;
    case K::kHardSigmoid:  // max(0, min(1, alpha * x + beta))
      ops.append_eltwise(1.f, A::eltwise_linear, act.alpha, act.beta);
      ops.append_eltwise(1.f, A::eltwise_clip, 0.f, 1.f);
      break;
    case K::kHardSwish:  // x * max(0, min(1, x / 6 + 1 / 2)), oneDNN's definition too
      ops.append_eltwise(1.f, A::eltwise_hardswish, 0.f, 0.f);
      break;
    case K::kGelu:
      ops.append_eltwise(1.f, A::eltwise_gelu_erf, 0.f, 0.f);
      break;
    case K::kGeluTanh:
      ops.append_eltwise(1.f, A::eltwise_gelu_tanh, 0.f, 0.f);
      break;
  }
}

// ---- Element-wise kernel ----

namespace {

struct EltwisePrimitive {
  dnnl::eltwise_forward::primitive_desc pd;
  dnnl::eltwise_forward prim;
  dnnl::memory::desc desc;
};

class EltwiseDnnl : public DnnlKernel {
 public:
  // `clip_inputs`: Clip from opset 11, whose min and max come from inputs 1 and 2.
  EltwiseDnnl(std::unique_ptr<OpKernel> fallback, dnnl::algorithm alg, float alpha, float beta,
              bool clip_inputs)
      : DnnlKernel(std::move(fallback)),
        alg_(alg),
        alpha_(alpha),
        beta_(beta),
        clip_inputs_(clip_inputs) {}

  Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (!x || !AllFloat32(ctx) || x->numel() < kMinEltwiseElements) return Fallback(ctx);
    float alpha = alpha_, beta = beta_;
    if (clip_inputs_) {
      const Tensor* lo = ctx.input(1);
      const Tensor* hi = ctx.input(2);
      if ((lo && lo->numel() != 1) || (hi && hi->numel() != 1)) return Fallback(ctx);
      if (lo) alpha = lo->data<float>()[0];
      if (hi) beta = hi->data<float>()[0];
      if (alpha != alpha || beta != beta) return Fallback(ctx);  // NaN bounds: reference semantics
    }
    if (alg_ == dnnl::algorithm::eltwise_clip && !(alpha <= beta)) {
      return Fallback(ctx);  // min > max: the reference's order of min/max defines the result
    }
    int32_t ak, bk;  // the bounds' bits key the cache
    std::memcpy(&ak, &alpha, sizeof(ak));
    std::memcpy(&bk, &beta, sizeof(bk));
    const std::vector<int64_t> key = {x->numel(), ak, bk, RunThreads(ctx)};
    std::shared_ptr<const EltwisePrimitive> p =
        cache_.Get(key, [&]() -> std::shared_ptr<const EltwisePrimitive> {
          try {
            dnnl::memory::desc desc = PlainDesc({x->numel()});
            dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference, alg_, desc, alpha,
                                          beta);
            dnnl::eltwise_forward::primitive_desc pd(d, BaseAttr(), CpuEngine());
            return std::make_shared<const EltwisePrimitive>(
                EltwisePrimitive{pd, dnnl::eltwise_forward(pd), desc});
          } catch (const dnnl::error&) {
            return nullptr;
          }
        });
    if (!p) return Fallback(ctx);
    Tensor* y = ctx.AllocateOutputUninitialized(0, DataType::kFloat32, x->shape());
    try {
      Execute(p->prim, p->pd,
              {{DNNL_ARG_SRC, Wrap(p->desc, x->raw_data())},
               {DNNL_ARG_DST, Wrap(p->desc, y->raw_data())}});
    } catch (const dnnl::error& e) {
      return Internal(ctx.NodeLabel() + ": oneDNN eltwise failed: " + e.what());
    }
    return Status::Ok();
  }

 private:
  dnnl::algorithm alg_;
  float alpha_, beta_;
  bool clip_inputs_;
  PrimitiveCache<EltwisePrimitive> cache_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateEltwise(const KernelInfo& info) {
  using A = dnnl::algorithm;
  const std::string& op = info.op_type();
  A alg;
  float alpha = 0, beta = 0;
  if (op == "Relu") {
    alg = A::eltwise_relu;
  } else if (op == "LeakyRelu") {
    alg = A::eltwise_relu;
    alpha = info.GetFloat("alpha", 0.01f);
  } else if (op == "Sigmoid") {
    alg = A::eltwise_logistic;
  } else if (op == "Tanh") {
    alg = A::eltwise_tanh;
  } else if (op == "Exp") {
    alg = A::eltwise_exp;
  } else if (op == "Log") {
    alg = A::eltwise_log;
  } else if (op == "Sqrt") {
    alg = A::eltwise_sqrt;
  } else if (op == "Abs") {
    alg = A::eltwise_abs;
  } else if (op == "Elu") {
    alg = A::eltwise_elu;
    alpha = info.GetFloat("alpha", 1.0f);
  } else if (op == "HardSwish") {
    alg = A::eltwise_hardswish;
  } else if (op == "Gelu") {
    const std::string approximate = info.GetString("approximate", "none");
    if (approximate == "none") {
      alg = A::eltwise_gelu_erf;
    } else if (approximate == "tanh") {
      alg = A::eltwise_gelu_tanh;
    } else {
      return std::unique_ptr<OpKernel>();  // the reference kernel reports the bad attribute
    }
  } else {
    return std::unique_ptr<OpKernel>();
  }
  return MakeDnnlKernel<EltwiseDnnl>(info, alg, alpha, beta, false);
}

StatusOr<std::unique_ptr<OpKernel>> CreateClip(const KernelInfo& info) {
  if (info.opset() >= 11) {
    // min/max are inputs; they are read per run (usually constants).
    return MakeDnnlKernel<EltwiseDnnl>(info, dnnl::algorithm::eltwise_clip,
                                       -std::numeric_limits<float>::infinity(),
                                       std::numeric_limits<float>::infinity(), true);
  }
  if (info.opset() < 6) return std::unique_ptr<OpKernel>();
  return MakeDnnlKernel<EltwiseDnnl>(info, dnnl::algorithm::eltwise_clip,
                                     info.GetFloat("min", std::numeric_limits<float>::lowest()),
                                     info.GetFloat("max", std::numeric_limits<float>::max()),
                                     false);
}

}  // namespace berth::dnnl_dense
