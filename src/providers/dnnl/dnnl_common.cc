#include "providers/dnnl/dnnl_common.h"

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "berth/session.h"
#include "engine/kernel_registry.h"

namespace berth::dnnl_provider {

const dnnl::engine& CpuEngine() {
  static const dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

dnnl::stream& ThreadStream() {
  thread_local dnnl::stream stream(CpuEngine());
  return stream;
}

dnnl::memory WrapTensor(const dnnl::memory::desc& desc, const Tensor& tensor) {
  return dnnl::memory(desc, CpuEngine(), const_cast<void*>(tensor.raw_data()));
}

dnnl::memory::dims ToDims(const Shape& shape) { return dnnl::memory::dims(shape.begin(), shape.end()); }

dnnl::memory::desc PlainDesc(const dnnl::memory::dims& dims) {
  dnnl::memory::dims strides(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) strides[i] = strides[i + 1] * dims[i + 1];
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, strides);
}

dnnl::primitive_attr DefaultAttr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

namespace {

// A growing 64-byte aligned buffer owned by one thread (the scratchpad of the primitives it runs).
struct ScratchBuffer {
  void* data = nullptr;
  size_t size = 0;
  ~ScratchBuffer() { std::free(data); }
  void* Get(size_t bytes) {
    if (bytes > size) {
      std::free(data);
      size_t rounded = (bytes + 4095) / 4096 * 4096;
      data = std::aligned_alloc(64, rounded);
      if (!data) throw std::bad_alloc();
      size = rounded;
    }
    return data;
  }
};

}  // namespace

void ExecutePrimitive(const dnnl::primitive& primitive, const dnnl::memory::desc& scratchpad,
                      std::unordered_map<int, dnnl::memory> args) {
  thread_local ScratchBuffer buffer;
  size_t bytes = scratchpad.get_size();
  if (bytes > 0) args.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(scratchpad, CpuEngine(), buffer.Get(bytes)));
  dnnl::stream& stream = ThreadStream();
  primitive.execute(stream, args);
  stream.wait();
}

dnnl::memory ReorderTo(const dnnl::memory& from, const dnnl::memory::desc& to_desc) {
  dnnl::memory to(to_desc, CpuEngine());
  dnnl::reorder(from, to).execute(ThreadStream(), const_cast<dnnl::memory&>(from), to);
  ThreadStream().wait();
  return to;
}

Status CatchDnnl(const std::string& what, const std::function<Status()>& fn) {
  try {
    return fn();
  } catch (const dnnl::error& e) {
    return Internal(what + ": oneDNN: " + e.what() + " (status " + std::to_string(static_cast<int>(e.status)) + ")");
  } catch (const std::bad_alloc&) {
    return ResourceExhausted(what + ": out of memory");
  } catch (const std::exception& e) {
    return Internal(what + ": " + e.what());
  }
}

Tensor AllocateUninitializedOutput(KernelContext& ctx, int i, const Shape& shape) {
  // From the run's intermediates arena where the executor has one (no fresh pages per run).
  return *ctx.AllocateOutputUninitialized(i, DataType::kFloat32, shape);
}

StatusOr<std::unique_ptr<OpKernel>> CreateReferenceKernel(const KernelInfo& info) {
  for (const KernelRegistration* reg :
       ReferenceKernelRegistry().FindAll(info.node().domain, info.op_type(), info.opset())) {
    auto kernel = reg->create(info);
    if (!kernel.ok()) return kernel.status();
    if (*kernel) return kernel;
  }
  return Unimplemented(info.NodeLabel() + ": the reference provider has no kernel for it");
}

StatusOr<std::vector<EltwiseOp>> ReadFusedActivation(const KernelInfo& info) {
  const std::string name = info.GetString("activation", "");
  const std::vector<float> params = info.GetFloats("activation_params");
  auto want = [&](size_t n) -> Status {
    if (params.size() == n) return Status::Ok();
    return InvalidArgument(info.NodeLabel() + ": activation '" + name + "' takes " + std::to_string(n) +
                           " activation_params, got " + std::to_string(params.size()));
  };
  using A = dnnl::algorithm;
  if (name.empty()) return std::vector<EltwiseOp>{};
  if (name == "Relu") return std::vector<EltwiseOp>{{A::eltwise_relu, 0.f, 0.f}};
  if (name == "Sigmoid") return std::vector<EltwiseOp>{{A::eltwise_logistic, 0.f, 0.f}};
  if (name == "Tanh") return std::vector<EltwiseOp>{{A::eltwise_tanh, 0.f, 0.f}};
  if (name == "HardSwish") return std::vector<EltwiseOp>{{A::eltwise_hardswish, 0.f, 0.f}};
  if (name == "Swish") return std::vector<EltwiseOp>{{A::eltwise_swish, 1.f, 0.f}};  // x * sigmoid(1 * x)
  if (name == "LeakyRelu") {
    RETURN_IF_ERROR(want(1));
    return std::vector<EltwiseOp>{{A::eltwise_relu, params[0], 0.f}};
  }
  if (name == "Clip") {
    RETURN_IF_ERROR(want(2));
    return std::vector<EltwiseOp>{{A::eltwise_clip_v2, params[0], params[1]}};
  }
  if (name == "HardSigmoid") {  // max(0, min(1, alpha * x + beta)): oneDNN 2.6 has no hardsigmoid
    RETURN_IF_ERROR(want(2));
    return std::vector<EltwiseOp>{{A::eltwise_linear, params[0], params[1]}, {A::eltwise_clip_v2, 0.f, 1.f}};
  }
  return InvalidArgument(info.NodeLabel() + ": unknown activation '" + name + "'");
}

void AppendEltwise(dnnl::post_ops& post_ops, const std::vector<EltwiseOp>& ops) {
  for (const EltwiseOp& op : ops) post_ops.append_eltwise(1.0f, op.alg, op.alpha, op.beta);
}

}  // namespace berth::dnnl_provider
