#pragma once
// Shared plumbing of the dense oneDNN kernels (MatMul/Gemm, LayerNorm, Softmax, element-wise,
// binary) and the activation -> oneDNN eltwise mapping used by the element-wise kernels and by the
// fused MatMul/Gemm post-ops.
//
// Every dense kernel keeps the reference kernel of its node as a fallback: a factory declines what
// it can tell from attributes alone (the planner then runs the reference kernel), and Compute()
// hands the run to the fallback for what only shows at run time (a non-float32 input, an empty or
// tiny tensor, a broadcast oneDNN does not take). oneDNN errors never escape: a primitive that
// cannot be created also falls back.
//
// Thread-safety: Compute() of every kernel here may run concurrently; the per-shape primitive cache
// is guarded by a mutex, streams and scratchpads are per thread.

#include <cstdint>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/kernel.h"

namespace berth::dnnl_dense {

// The process-wide CPU engine.
const dnnl::engine& CpuEngine();
// The calling thread's stream on CpuEngine() (oneDNN streams are not shared between threads).
dnnl::stream& ThreadStream();
// A 64-byte aligned buffer of at least `bytes` owned by the calling thread, valid until its next
// call. Our primitives use scratchpad_mode::user and run their scratchpad here.
void* ThreadScratchpad(size_t bytes);
// Attributes every dense primitive is created with (user scratchpad).
dnnl::primitive_attr BaseAttr();
// Runs `prim` with `args` on the calling thread's stream (adding the scratchpad) and waits.
void Execute(const dnnl::primitive& prim, const dnnl::primitive_desc& pd,
             std::unordered_map<int, dnnl::memory> args);

// How many primitives the calling thread has executed through Execute() (tests use it to tell that
// oneDNN, not the fallback, ran a node).
int64_t ThreadExecutionCount();

// Whether oneDNN picked its portable reference implementation (ref:any), which is far slower than
// our own reference kernels for matmul and binary: those kernels fall back instead.
inline bool IsReferenceImpl(const dnnl::primitive_desc& pd) {
  const char* impl = pd.impl_info_str();
  return impl != nullptr && std::string(impl).rfind("ref", 0) == 0;
}

// A plain row-major f32 memory descriptor for `dims` (a scalar becomes {1}).
dnnl::memory::desc PlainDesc(const std::vector<int64_t>& dims);
// Wraps memory owned elsewhere (oneDNN never writes into inputs we hand it).
inline dnnl::memory Wrap(const dnnl::memory::desc& desc, const void* data) {
  return dnnl::memory(desc, CpuEngine(), const_cast<void*>(data));
}

// The reference provider's kernel for the same node, or null if the reference provider has none
// (or its factory rejects the node: then the planner, which tries the reference next, reports it).
std::unique_ptr<OpKernel> CreateReferenceKernel(const KernelInfo& info);

// Base of the dense kernels: holds the reference fallback.
class DnnlKernel : public OpKernel {
 protected:
  explicit DnnlKernel(std::unique_ptr<OpKernel> fallback) : fallback_(std::move(fallback)) {}
  Status Fallback(KernelContext& ctx) const;

 private:
  std::unique_ptr<OpKernel> fallback_;
};

// Creates a kernel K(fallback, args...) if the node has a reference fallback, else declines.
template <typename K, typename... Args>
StatusOr<std::unique_ptr<OpKernel>> MakeDnnlKernel(const KernelInfo& info, Args&&... args) {
  std::unique_ptr<OpKernel> fallback = CreateReferenceKernel(info);
  if (!fallback) return std::unique_ptr<OpKernel>();
  return std::unique_ptr<OpKernel>(new K(std::move(fallback), std::forward<Args>(args)...));
}

// The run's intra-op thread count (1 without a pool). Part of every primitive cache key: oneDNN
// fixes a primitive's parallel split when it is created, so a primitive made for 2 threads must not
// run in a run granted 1 (it would oversubscribe) or the other way round (it would leave a core
// idle).
int RunThreads(const KernelContext& ctx);

// True when every present input is a float32 tensor.
bool AllFloat32(const KernelContext& ctx);

// A small cache from a shape key to an immutable entry (primitive + descriptors). Bounded: when
// full, the oldest entry goes (shared_ptr keeps it alive for runs still using it).
template <typename Entry>
class PrimitiveCache {
 public:
  using Key = std::vector<int64_t>;
  // The entry for `key`, built with make() (returning std::shared_ptr<const Entry>, null on
  // failure) on first use. make() runs under the lock: primitives of one node are created once.
  template <typename Make>
  std::shared_ptr<const Entry> Get(const Key& key, Make&& make) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [k, e] : entries_) {
      if (k == key) return e;
    }
    std::shared_ptr<const Entry> e = make();
    if (entries_.size() >= kMaxEntries) entries_.erase(entries_.begin());
    entries_.emplace_back(key, e);
    return e;
  }

 private:
  static constexpr size_t kMaxEntries = 16;
  mutable std::mutex mu_;
  mutable std::vector<std::pair<Key, std::shared_ptr<const Entry>>> entries_;
};

// ---- Activations (com.berth fused ops' `activation` attribute and the element-wise kernels) ----

struct Activation {
  enum class Kind {
    kNone,
    kRelu,
    kLeakyRelu,
    kClip,
    kSigmoid,
    kTanh,
    kHardSigmoid,
    kHardSwish,
    kGelu,
    kGeluTanh
  };
  Kind kind = Kind::kNone;
  float alpha = 0;  // LeakyRelu alpha, Clip min, HardSigmoid alpha
  float beta = 0;   // Clip max, HardSigmoid beta
};

// Reads `activation` / `activation_params`; nullopt if the name or its parameters are not ones we
// implement (the factory then declines and the reference kernel reports or runs it).
std::optional<Activation> ParseActivation(const KernelInfo& info);
// Appends the activation as eltwise post-ops (HardSigmoid takes two).
void AppendActivation(const Activation& act, dnnl::post_ops& ops);

// Factories of the element-wise kernels (eltwise.cc).
StatusOr<std::unique_ptr<OpKernel>> CreateEltwise(const KernelInfo& info);  // dispatches on op_type
StatusOr<std::unique_ptr<OpKernel>> CreateClip(const KernelInfo& info);
// binary.cc: Add, Sub, Mul, Div.
StatusOr<std::unique_ptr<OpKernel>> CreateBinary(const KernelInfo& info);
// matmul.cc / gemm.cc
StatusOr<std::unique_ptr<OpKernel>> CreateMatMul(const KernelInfo& info);  // MatMul, FusedMatMul
StatusOr<std::unique_ptr<OpKernel>> CreateGemm(const KernelInfo& info);    // Gemm, FusedGemm
// layer_norm.cc
StatusOr<std::unique_ptr<OpKernel>> CreateLayerNormalization(const KernelInfo& info);
// softmax.cc: Softmax, LogSoftmax.
StatusOr<std::unique_ptr<OpKernel>> CreateSoftmax(const KernelInfo& info);

// Element counts below which the element-wise kernels hand the run to the reference kernel (the
// primitive's dispatch costs more than the loop).
constexpr int64_t kMinEltwiseElements = 1024;

}  // namespace berth::dnnl_dense
