// Identity elimination: nodes whose output equals their input are removed and their readers read
// the input directly. Covered: Identity; Dropout in inference (no mask reader, training_mode absent
// or constant false); Cast to the type the input already has; Reshape, Flatten and Expand whose
// input and output have the same static shape.
//
// When the removed output is a graph output, the input's producer is renamed to produce the output
// name instead (only if the input is an ordinary intermediate: produced by a node, not a graph
// input/output, not read by a subgraph). Values read by subgraph bodies are never renamed.

#include "engine/optimizer/graph_view.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {

namespace {

bool IsIdentity(const GraphView& view, const Node& node) {
  if (!node.domain.empty() || node.inputs.empty() || node.inputs[0].empty() ||
      node.outputs.empty() || node.outputs[0].empty()) {
    return false;
  }
  const std::string& in = node.inputs[0];
  const std::string& out = node.outputs[0];
  const std::string& op = node.op_type;
  if (op == "Identity") return node.inputs.size() == 1 && node.outputs.size() == 1;
  if (op == "Dropout") {
    for (size_t i = 1; i < node.outputs.size(); ++i)
      if (!node.outputs[i].empty() && view.IsUsed(node.outputs[i])) return false;
    if (const Attribute* is_test = node.FindAttribute("is_test"); is_test && is_test->i == 0) {
      // opset < 7 training mode scales the output; keep it unless the ratio makes it a no-op.
      return false;
    }
    if (node.inputs.size() > 2 && !node.inputs[2].empty()) {
      auto training = view.ScalarConstant(node.inputs[2]);
      if (!training || *training != 0) return false;
    }
    return true;
  }
  if (node.outputs.size() != 1) return false;
  if (op == "Cast") {
    const Attribute* to = node.FindAttribute("to");
    const DataType dt = view.Dtype(in);
    return to && dt != DataType::kUndefined && static_cast<int64_t>(dt) == to->i;
  }
  if (op == "Reshape" || op == "Flatten" || op == "Expand") {
    auto a = view.StaticShape(in);
    auto b = view.StaticShape(out);
    return a && b && *a == *b;
  }
  return false;
}

}  // namespace

StatusOr<int> EliminateIdentities(Graph& graph) {
  int removed = 0;
  // One rewrite per view: renames change the producer/consumer index.
  for (bool changed = true; changed;) {
    changed = false;
    GraphView view(graph);
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
      const Node& node = graph.nodes[n];
      if (!IsIdentity(view, node)) continue;
      const std::string in = node.inputs[0];
      const std::string out = node.outputs[0];
      if (view.IsPinned(out)) continue;
      if (!view.IsGraphOutput(out)) {
        std::vector<bool> remove(graph.nodes.size(), false);
        remove[n] = true;
        RemoveNodes(graph, remove);
        ReplaceUses(graph, out, in);
      } else {
        const int p = view.Producer(in);
        if (p < 0 || view.IsGraphOutput(in) || view.IsGraphInput(in) || view.IsPinned(in) ||
            graph.initializers.count(in)) {
          continue;
        }
        for (std::string& o : graph.nodes[static_cast<size_t>(p)].outputs)
          if (o == in) o = out;
        std::vector<bool> remove(graph.nodes.size(), false);
        remove[n] = true;
        RemoveNodes(graph, remove);
        ReplaceUses(graph, in, out);
      }
      ++removed;
      changed = true;
      break;
    }
  }
  return removed;
}

}  // namespace berth::opt
