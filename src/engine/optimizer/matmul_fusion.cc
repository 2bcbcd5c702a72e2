// MatMul fusion: MatMul, optionally followed by an Add of a constant bias that varies only along
// the last axis, optionally followed by an activation (Gelu included), becomes com.berth
// FusedMatMul(A, B, Bias): Y = activation(MatMul(A, B) + Bias), Bias 1-D of size N. A MatMul with
// neither is left alone. Each fused intermediate must have no other reader and not be a graph
// output; only float32.

#include "engine/optimizer/activation_match.h"
#include "engine/optimizer/graph_view.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {

namespace {

// N (the output's last dimension) if it is known from B's or the output's static information.
std::optional<int64_t> OutputColumns(const GraphView& view, const Node& matmul) {
  const ValueInfo* out = view.Info(matmul.outputs[0]);
  if (out && out->has_shape && !out->dims.empty() && out->dims.back() >= 0) return out->dims.back();
  auto b = view.StaticShape(matmul.inputs[1]);
  if (b && b->size() >= 2) return b->back();
  return std::nullopt;
}

}  // namespace

StatusOr<int> FuseMatMul(Graph& graph) {
  GraphView view(graph);
  NameAllocator names(graph);
  std::vector<bool> remove(graph.nodes.size(), false);
  std::vector<std::pair<size_t, Node>> replacements;
  std::map<std::string, Tensor> new_initializers;
  for (size_t m = 0; m < graph.nodes.size(); ++m) {
    const Node& matmul = graph.nodes[m];
    if (matmul.op_type != "MatMul" || !matmul.domain.empty() || matmul.inputs.size() != 2 ||
        matmul.outputs.size() != 1 || remove[m] || view.OutputDtype(matmul) != DataType::kFloat32) {
      continue;
    }
    // A 1-D B drops N from the output; the contract's Bias is along N.
    auto b_rank = view.Rank(matmul.inputs[1]);
    if (!b_rank || *b_rank < 2) continue;
    std::string current = matmul.outputs[0];
    size_t last = m;
    std::vector<size_t> absorbed;
    std::string bias;
    int next = view.SoleConsumer(current);
    auto n_cols = OutputColumns(view, matmul);
    auto out_rank = view.Rank(current);
    if (next >= 0 && !remove[static_cast<size_t>(next)] && n_cols) {
      const Node& add = graph.nodes[static_cast<size_t>(next)];
      if (add.op_type == "Add" && add.domain.empty() && add.inputs.size() == 2 &&
          add.outputs.size() == 1 && add.inputs[0] != add.inputs[1]) {
        const std::string& other = add.inputs[0] == current ? add.inputs[1] : add.inputs[0];
        const Tensor* b = view.Constant(other);
        // A bias of higher rank than the output would broadcast the output to more dimensions.
        bool ok = b && b->dtype() == DataType::kFloat32 && b->rank() >= 1 &&
                  (b->rank() == 1 || (out_rank && b->rank() <= *out_rank)) &&
                  b->shape().back() == *n_cols && b->numel() == *n_cols;
        if (ok) {
          if (b->rank() == 1) {
            bias = other;
          } else {
            bias = names.Make(other + "_1d");
            new_initializers[bias] = b->Clone().Reshaped({*n_cols});
          }
          current = add.outputs[0];
          last = static_cast<size_t>(next);
          absorbed.push_back(last);
          next = view.SoleConsumer(current);
        }
      }
    }
    const std::optional<FusedActivation> act =
        AbsorbActivation(view, graph, remove, next, /*allow_gelu=*/true, &current, &absorbed);
    if (act) last = absorbed.back();
    if (absorbed.empty()) continue;
    Node fused;
    fused.name = matmul.name.empty() ? names.Make("FusedMatMul") : matmul.name;
    fused.op_type = "FusedMatMul";
    fused.domain = kBerthDomain;
    fused.inputs = {matmul.inputs[0], matmul.inputs[1]};
    if (!bias.empty()) fused.inputs.push_back(bias);
    fused.outputs = {current};
    fused.attributes["activation"] = MakeStringAttr("");
    if (act) SetActivationAttributes(fused, *act);
    remove[m] = true;
    for (size_t a : absorbed) remove[a] = true;
    replacements.emplace_back(last, std::move(fused));
  }
  if (replacements.empty()) return 0;
  for (auto& [name, t] : new_initializers) graph.initializers[name] = std::move(t);
  for (auto& [pos, node] : replacements) {
    graph.nodes[pos] = std::move(node);
    remove[pos] = false;
  }
  RemoveNodes(graph, remove);
  ImportDomain(graph, kBerthDomain);
  return static_cast<int>(replacements.size());
}

}  // namespace berth::opt
