// Dead-node elimination: removes nodes none of whose outputs is needed (needed: a graph output, or
// read by a needed node, explicitly or from one of its subgraph bodies), then initializers nothing
// reads. Outputs of kept nodes that nobody reads become "" so kernels can skip them (e.g. Dropout's
// mask, MaxPool's indices). Overridable initializers are graph inputs and always stay.

#include <set>

#include "engine/optimizer/graph_view.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {

StatusOr<int> EliminateDeadNodes(Graph& graph) {
  std::set<std::string> needed;
  for (const ValueInfo& vi : graph.outputs) needed.insert(vi.name);
  std::vector<bool> live(graph.nodes.size(), false);
  std::vector<std::set<std::string>> reads(graph.nodes.size());
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    reads[n] = SubgraphReads(graph.nodes[n]);
    for (const std::string& in : graph.nodes[n].inputs)
      if (!in.empty()) reads[n].insert(in);
  }
  // Fixpoint (independent of node order): a node becomes live when one of its outputs is needed.
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t n = graph.nodes.size(); n-- > 0;) {
      if (live[n]) continue;
      for (const std::string& out : graph.nodes[n].outputs) {
        if (!out.empty() && needed.count(out)) {
          live[n] = true;
          break;
        }
      }
      if (!live[n]) continue;
      changed = true;
      needed.insert(reads[n].begin(), reads[n].end());
    }
  }
  int removed = 0;
  std::vector<bool> remove(graph.nodes.size(), false);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    if (!live[n]) {
      remove[n] = true;
      ++removed;
      continue;
    }
    Node& node = graph.nodes[n];
    // Unread outputs other than the first become "" (the count stays: Split and others read it).
    for (size_t i = 1; i < node.outputs.size(); ++i)
      if (!needed.count(node.outputs[i])) node.outputs[i].clear();
  }
  if (removed) RemoveNodes(graph, remove);
  for (auto it = graph.initializers.begin(); it != graph.initializers.end();) {
    if (!needed.count(it->first) && !graph.overridable_initializers.count(it->first)) {
      it = graph.initializers.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

}  // namespace berth::opt
