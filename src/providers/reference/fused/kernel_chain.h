#pragma once
// How the reference fused kernels reuse the unfused reference kernels: a fused kernel creates the
// kernels of its steps (e.g. Conv, Add, Relu for FusedConv) from synthetic nodes at build time and
// runs them one after another, each step reading the previous step's output. The results are
// therefore exactly those of the unfused graph.
// Thread-safety: steps are immutable kernels; RunStep keeps all per-run state on the stack.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/kernel.h"

namespace berth::fused {

// Creates the kernel of `op_type` (ai.onnx at `opset`) with the given attributes and `num_inputs`
// inputs, as if it were a node of its own. `where` names the fused node in errors.
StatusOr<std::unique_ptr<OpKernel>> CreateStep(KernelFactory factory, const std::string& op_type,
                                               std::map<std::string, Attribute> attributes,
                                               int opset, int num_inputs, const std::string& where);

// Runs `step` on `inputs` (null entries are omitted inputs) inside the fused node's context
// `parent` (thread pool, node label) and returns its first output.
StatusOr<Value> RunStep(const OpKernel& step, KernelContext& parent,
                        const std::vector<const Value*>& inputs);

// The activation step named by the fused node's `activation` / `activation_params` attributes, or
// nullptr for "" (none). Gelu/GeluTanh only when `allow_gelu`; Swish runs as the Sigmoid and Mul
// kernels it stands for. Errors name the node.
StatusOr<std::unique_ptr<OpKernel>> CreateActivationStep(const KernelInfo& info, bool allow_gelu);

// The fused node's attributes without the activation ones (for the main step).
std::map<std::string, Attribute> WithoutActivation(const Node& node);

}  // namespace berth::fused
