// Gemm fusion: Gemm followed by an activation becomes com.berth FusedGemm(A, B, C) with the Gemm's
// attributes plus `activation`/`activation_params` (Gelu included). The Gemm's output must have no
// other reader and not be a graph output; only float32.

#include "engine/optimizer/activation_match.h"
#include "engine/optimizer/graph_view.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {

StatusOr<int> FuseGemm(Graph& graph) {
  GraphView view(graph);
  NameAllocator names(graph);
  std::vector<bool> remove(graph.nodes.size(), false);
  std::vector<std::pair<size_t, Node>> replacements;
  for (size_t g = 0; g < graph.nodes.size(); ++g) {
    const Node& gemm = graph.nodes[g];
    if (gemm.op_type != "Gemm" || !gemm.domain.empty() || gemm.inputs.size() < 2 ||
        gemm.outputs.size() != 1 || remove[g] || view.OutputDtype(gemm) != DataType::kFloat32) {
      continue;
    }
    const int next = view.SoleConsumer(gemm.outputs[0]);
    if (next < 0 || remove[static_cast<size_t>(next)]) continue;
    const Node& act_node = graph.nodes[static_cast<size_t>(next)];
    auto act = MatchActivation(view, act_node, /*allow_gelu=*/true);
    if (!act || act_node.inputs[0] != gemm.outputs[0]) continue;
    Node fused;
    fused.name = gemm.name.empty() ? names.Make("FusedGemm") : gemm.name;
    fused.op_type = "FusedGemm";
    fused.domain = kBerthDomain;
    fused.inputs = gemm.inputs;
    fused.attributes = gemm.attributes;
    fused.outputs = {act_node.outputs[0]};
    SetActivationAttributes(fused, *act);
    remove[g] = true;
    remove[static_cast<size_t>(next)] = true;
    replacements.emplace_back(static_cast<size_t>(next), std::move(fused));
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
