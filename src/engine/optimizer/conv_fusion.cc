// Conv fusion: Conv, optionally followed by an Add of a residual Z of exactly the Conv output's
// shape, optionally followed by an activation (one node, or Swish/SiLU written as
// Mul(v, Sigmoid(v))), becomes one com.berth FusedConv(X, W, B, Z):
//   Y = activation(Conv(X, W, B) + Z)
// (oneDNN runs the Add and the activation as post-ops while the output is still in cache). A Conv
// with neither is left alone. Each fused intermediate must have no other reader and not be a graph
// output; only float32.

#include "engine/optimizer/activation_match.h"
#include "engine/optimizer/graph_view.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {

StatusOr<int> FuseConv(Graph& graph) {
  GraphView view(graph);
  NameAllocator names(graph);
  std::vector<bool> remove(graph.nodes.size(), false);
  std::vector<std::pair<size_t, Node>>
      replacements;  // position of the pattern's last node, fused node
  for (size_t c = 0; c < graph.nodes.size(); ++c) {
    const Node& conv = graph.nodes[c];
    if (conv.op_type != "Conv" || !conv.domain.empty() || conv.inputs.size() < 2 ||
        conv.outputs.size() != 1 || remove[c] || view.OutputDtype(conv) != DataType::kFloat32) {
      continue;
    }
    std::string current = conv.outputs[0];
    size_t last = c;
    std::vector<size_t> absorbed;
    std::string residual;
    int next = view.SoleConsumer(current);
    if (next >= 0 && !remove[static_cast<size_t>(next)]) {
      const Node& add = graph.nodes[static_cast<size_t>(next)];
      if (add.op_type == "Add" && add.domain.empty() && add.inputs.size() == 2 &&
          add.outputs.size() == 1 && add.inputs[0] != add.inputs[1]) {
        const std::string& other = add.inputs[0] == current ? add.inputs[1] : add.inputs[0];
        if (view.SameShape(other, current) && view.Dtype(other) == DataType::kFloat32 &&
            view.SameShape(add.outputs[0], current)) {
          residual = other;
          current = add.outputs[0];
          last = static_cast<size_t>(next);
          absorbed.push_back(last);
          next = view.SoleConsumer(current);
        }
      }
    }
    std::optional<FusedActivation> act =
        AbsorbActivation(view, graph, remove, next, /*allow_gelu=*/false, &current, &absorbed);
    if (!act) act = AbsorbSwish(view, graph, remove, &current, &absorbed);
    if (act) last = absorbed.back();
    if (absorbed.empty()) continue;
    Node fused;
    fused.name = conv.name.empty() ? names.Make("FusedConv") : conv.name;  // the Conv goes away
    fused.op_type = "FusedConv";
    fused.domain = kBerthDomain;
    fused.attributes = conv.attributes;
    fused.inputs = {conv.inputs[0], conv.inputs[1], conv.inputs.size() > 2 ? conv.inputs[2] : ""};
    if (!residual.empty()) fused.inputs.push_back(residual);
    while (fused.inputs.size() > 2 && fused.inputs.back().empty()) fused.inputs.pop_back();
    fused.outputs = {current};
    fused.attributes["activation"] = MakeStringAttr("");
    if (act) SetActivationAttributes(fused, *act);
    remove[c] = true;
    for (size_t a : absorbed) remove[a] = true;
    replacements.emplace_back(last, std::move(fused));
  }
  if (replacements.empty()) return 0;
  for (auto& [pos, node] : replacements) {
    graph.nodes[pos] = std::move(node);
    remove[pos] = false;
  }
  RemoveNodes(graph, remove);
  ImportDomain(graph, kBerthDomain);
  return static_cast<int>(replacements.size());
}

}  // namespace berth::opt
