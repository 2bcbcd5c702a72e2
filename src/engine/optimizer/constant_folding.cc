// Constant folding: a node whose inputs are all constants (non-overridable initializers) is run
// once at load time with the reference kernels, and its outputs become initializers. Constant nodes
// (no inputs) fold the same way. Nodes are visited in topological order, so whole constant chains
// fold in one pass.
//
// Not folded: non-deterministic operators (Random*, Multinomial, Bernoulli), nodes with subgraphs,
// nodes that produce a graph output (the planner keeps those computed, and tests of single
// operators stay tests of the operator), outputs that are not tensors, and outputs that would bloat
// the model (see ConstantFoldingOptions). A node whose kernel fails is left alone: the session
// reports the error when it runs, exactly as without optimization.

#include <memory>
#include <set>

#include "berth/session.h"
#include "engine/execution_plan.h"
#include "engine/optimizer/graph_view.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {

namespace {

bool IsNondeterministic(const Node& node) {
  static const std::set<std::string> kOps = {"RandomNormal",     "RandomUniform",
                                             "RandomNormalLike", "RandomUniformLike",
                                             "Multinomial",      "Bernoulli"};
  return kOps.count(node.op_type) > 0;
}

// Runs `node` on constant inputs; nullopt if it cannot be evaluated.
std::optional<std::vector<Tensor>> Evaluate(const Graph& graph, const Node& node) {
  auto g = std::make_shared<Graph>();
  g->name = "constant_folding";
  g->opsets = graph.opsets;
  for (const std::string& in : node.inputs)
    if (!in.empty()) g->initializers[in] = graph.initializers.at(in);
  for (const std::string& out : node.outputs) {
    if (out.empty()) continue;
    ValueInfo vi;
    vi.name = out;
    g->outputs.push_back(vi);
  }
  g->nodes.push_back(node);
  auto plan = ExecutionPlan::Build(g, ReferenceKernelRegistry(), {});  // the oracle kernels
  if (!plan.ok()) return std::nullopt;
  MemoryTracker memory;
  auto values = (*plan)->Execute({}, {}, {}, &memory);
  if (!values.ok()) return std::nullopt;
  std::vector<Tensor> out;
  for (const Value& v : *values) {
    if (!v.is_tensor() || !v.tensor().defined()) return std::nullopt;
    out.push_back(v.tensor());
  }
  return out;
}

}  // namespace

StatusOr<int> FoldConstants(Graph& graph, const ConstantFoldingOptions& options) {
  SortTopologically(graph);
  std::set<std::string> outputs;
  for (const ValueInfo& vi : graph.outputs) outputs.insert(vi.name);
  int folded = 0;
  std::vector<bool> remove(graph.nodes.size(), false);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    if (IsNondeterministic(node) || HasSubgraph(node)) continue;
    bool foldable = true;
    size_t input_bytes = 0;
    for (const std::string& in : node.inputs) {
      if (in.empty()) continue;
      auto it = graph.initializers.find(in);
      if (it == graph.initializers.end() || graph.overridable_initializers.count(in)) {
        foldable = false;
        break;
      }
      input_bytes += it->second.nbytes();
    }
    bool any_output = false;
    for (const std::string& out : node.outputs) {
      if (out.empty()) continue;
      any_output = true;
      if (outputs.count(out) || graph.initializers.count(out)) foldable = false;
    }
    if (!foldable || !any_output) continue;
    auto values = Evaluate(graph, node);
    if (!values) continue;
    size_t output_bytes = 0;
    for (const Tensor& t : *values) output_bytes += t.nbytes();
    // A Constant node's value is in the model already: moving it to an initializer costs nothing.
    if (node.op_type != "Constant" && output_bytes > options.small_bytes &&
        static_cast<double>(output_bytes) > options.growth * static_cast<double>(input_bytes)) {
      continue;
    }
    size_t k = 0;
    for (const std::string& out : node.outputs) {
      if (out.empty()) continue;
      graph.initializers[out] = (*values)[k++];
    }
    remove[n] = true;
    ++folded;
  }
  if (folded) RemoveNodes(graph, remove);
  return folded;
}

}  // namespace berth::opt
