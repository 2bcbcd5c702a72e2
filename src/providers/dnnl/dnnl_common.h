#pragma once
// Shared plumbing for the oneDNN provider: the CPU engine, per-thread streams, wrapping Berth tensors as
// dnnl::memory without copies, running primitives with a caller-owned scratchpad, and turning oneDNN's
// exceptions into Status.
//
// Concurrency: primitives are created with scratchpad_mode::user and executed through
// ExecutePrimitive(), which hands each execution a scratchpad from a buffer owned by the calling thread.
// So one primitive (cached in a kernel) may run from several Session::Run threads at once whatever
// DNNL_ENABLE_CONCURRENT_EXEC oneDNN was built with.

#include <functional>
#include <string>
#include <unordered_map>

#include <oneapi/dnnl/dnnl.hpp>

#include "berth/status.h"
#include "berth/tensor.h"
#include "engine/kernel.h"

namespace berth::dnnl_provider {

// The process-wide CPU engine (created on first use; thread-safe).
const dnnl::engine& CpuEngine();
// A stream on CpuEngine() owned by the calling thread.
dnnl::stream& ThreadStream();

// A memory object over `tensor`'s buffer (no copy) described by `desc`. The tensor must outlive it.
dnnl::memory WrapTensor(const dnnl::memory::desc& desc, const Tensor& tensor);

// Dims of a Berth shape.
dnnl::memory::dims ToDims(const Shape& shape);
// Plain row-major (abcd...) f32 descriptor of a shape.
dnnl::memory::desc PlainDesc(const dnnl::memory::dims& dims);

// Primitive attributes every kernel of this provider starts from (user scratchpad).
dnnl::primitive_attr DefaultAttr();

// Runs `primitive` on ThreadStream() with `args` plus a scratchpad of `scratchpad` (from the primitive
// descriptor's scratchpad_desc()), and waits for it.
void ExecutePrimitive(const dnnl::primitive& primitive, const dnnl::memory::desc& scratchpad,
                      std::unordered_map<int, dnnl::memory> args);

// Reorders `from` into a new memory of `to_desc` (used to prepack weights once).
dnnl::memory ReorderTo(const dnnl::memory& from, const dnnl::memory::desc& to_desc);

// Runs fn, turning a dnnl::error (or any std::exception) into an Internal status naming `what`.
Status CatchDnnl(const std::string& what, const std::function<Status()>& fn);

// The reference provider's kernel for the same node (the first one that does not decline it). dnnl
// kernels keep one to run cases they find unsupported only at run time (another element type, rank).
StatusOr<std::unique_ptr<OpKernel>> CreateReferenceKernel(const KernelInfo& info);

// One element-wise post-op: dst = alg(dst; alpha, beta).
struct EltwiseOp {
  dnnl::algorithm alg = dnnl::algorithm::eltwise_relu;
  float alpha = 0;
  float beta = 0;
};
// The com.berth fused-op activation contract: attribute `activation` ("" = none, "Relu", "LeakyRelu",
// "Clip", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Swish") with `activation_params` (LeakyRelu [alpha],
// Clip [min, max], HardSigmoid [alpha, beta]) as a list of oneDNN eltwise post-ops. Unknown names or
// wrong parameter counts are errors naming the node.
StatusOr<std::vector<EltwiseOp>> ReadFusedActivation(const KernelInfo& info);
// Appends `ops` to `post_ops`.
void AppendEltwise(dnnl::post_ops& post_ops, const std::vector<EltwiseOp>& ops);

// Allocates float32 output i of `shape` without zero-filling it (oneDNN primitives overwrite their whole
// destination, padding included; the buffer comes from the run's intermediates arena where there is
// one) and sets it as the node's output. Returns the tensor (sharing the buffer) to write into.
Tensor AllocateUninitializedOutput(KernelContext& ctx, int i, const Shape& shape);

// ceil(c / 16): channel blocks of a blocked (nChw16c) tensor.
inline int64_t ChannelBlocks(int64_t channels) { return (channels + 15) / 16; }

}  // namespace berth::dnnl_provider
