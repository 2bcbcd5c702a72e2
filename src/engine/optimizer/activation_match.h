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
                              // "HardSwish", "Gelu", "GeluTanh"
  std::vector<float> params;  // LeakyRelu [alpha], Clip [min, max], HardSigmoid [alpha, beta]
};

// `node` as a fusable activation of a float32 value, or nullopt. Gelu (ai.onnx opset 20 or
// com.berth) only when `allow_gelu`.
std::optional<FusedActivation> MatchActivation(const GraphView& view, const Node& node,
                                               bool allow_gelu);

// Sets `activation` and (if any) `activation_params` on a fused node.
void SetActivationAttributes(Node& node, const FusedActivation& activation);

}  // namespace berth::opt
