#pragma once
// Recognises an activation node that a fused com.berth operator can absorb, in the terms of the
// `activation` / `activation_params` attributes (see providers/reference/fused/fused_ops.h).

#include <optional>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/optimizer/graph_view.h"

namespace berth::opt {

struct FusedActivation {
  std::string name;           // "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "HardSigmoid",
                              // "HardSwish", "Gelu", "GeluTanh", "Swish"
  std::vector<float> params;  // LeakyRelu [alpha], Clip [min, max], HardSigmoid [alpha, beta]
};

// `node` as a fusable activation of a float32 value, or nullopt. Gelu (ai.onnx opset 20 or
// com.berth) only when `allow_gelu`.
std::optional<FusedActivation> MatchActivation(const GraphView& view, const Node& node,
                                               bool allow_gelu);

// The tail step of every "op + activation" fusion: if node `next` (the sole reader of `*value`; -1 if
// none) is not `taken` and is a fusable activation of `*value`, returns it, moves `*value` to the
// activation's output and appends `next` to `absorbed`. Otherwise nullopt and nothing changes.
std::optional<FusedActivation> AbsorbActivation(const GraphView& view, const Graph& graph,
                                                const std::vector<bool>& taken, int next, bool allow_gelu,
                                                std::string* value, std::vector<size_t>* absorbed);

// Swish (SiLU) written out as two nodes reading `*value`: s = Sigmoid(*value) and
// Mul(*value, s) (either operand order), where those two are the only readers of `*value`, the Mul
// the only reader of s, neither `taken`, and neither intermediate a graph output or read by a
// subgraph. If so returns {"Swish"}, moves `*value` to the Mul's output and appends the Sigmoid and
// then the Mul to `absorbed`. Otherwise nullopt and nothing changes.
std::optional<FusedActivation> AbsorbSwish(const GraphView& view, const Graph& graph,
                                           const std::vector<bool>& taken, std::string* value,
                                           std::vector<size_t>* absorbed);

// Sets `activation` and (if any) `activation_params` on a fused node.
void SetActivationAttributes(Node& node, const FusedActivation& activation);

}  // namespace berth::opt
