#pragma once
// The small patch API every optimizer pass uses: a read-only index of one graph (who produces and
// who reads each value, which values are constants, graph inputs/outputs or read from a subgraph
// body, what static shape and type each value has) plus a few edits (replace uses, remove nodes,
// add initializers with fresh names).
//
// A GraphView is a snapshot: after a pass edits the graph it builds a new one. Passes only rewrite
// the top-level graph; values that a subgraph body (If/Loop/Scan) reads from the outer scope are
// "pinned": never renamed, removed or fused away, so outer-scope references stay valid.
// Thread-safety: none needed (a pass owns its graph).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "berth/tensor.h"
#include "engine/graph.h"

namespace berth::opt {

class GraphView {
 public:
  explicit GraphView(const Graph& graph);

  const Graph& graph() const { return graph_; }

  // Index of the node producing `name`, or -1 (graph input, initializer, outer value or unknown).
  int Producer(const std::string& name) const;
  // Indices of the nodes that read `name` as an explicit input (once per node).
  const std::vector<size_t>& Consumers(const std::string& name) const;
  // The only node reading `name` when that is the value's only use: not a graph output, not read by
  // any subgraph body, read by exactly one node. -1 otherwise.
  int SoleConsumer(const std::string& name) const;

  bool IsGraphOutput(const std::string& name) const { return outputs_.count(name) > 0; }
  bool IsGraphInput(const std::string& name) const { return inputs_.count(name) > 0; }
  // Read somewhere inside a subgraph body (conservatively: any name a body mentions).
  bool IsPinned(const std::string& name) const { return pinned_.count(name) > 0; }
  // Used at all: read by a node, a subgraph or as a graph output.
  bool IsUsed(const std::string& name) const;

  // The value of a non-overridable initializer, or nullptr.
  const Tensor* Constant(const std::string& name) const;
  // A constant with exactly one element, as double.
  std::optional<double> ScalarConstant(const std::string& name) const;

  // Declared/inferred type information (graph inputs, outputs, value_info, initializers).
  const ValueInfo* Info(const std::string& name) const;
  DataType Dtype(const std::string& name) const;
  // Element type of a node's first output, or of its first input when the output's is not recorded
  // (for operators whose output type is their input's: Conv, MatMul, Gemm, ...).
  DataType OutputDtype(const Node& node) const;
  // Rank if known.
  std::optional<int> Rank(const std::string& name) const;
  // Shape if every dimension is a known number.
  std::optional<Shape> StaticShape(const std::string& name) const;
  // Whether two values certainly have the same shape: same rank and each dimension either the same
  // number or the same symbolic name.
  bool SameShape(const std::string& a, const std::string& b) const;

 private:
  const Graph& graph_;
  std::map<std::string, int> producer_;
  std::map<std::string, std::vector<size_t>> consumers_;
  std::set<std::string> outputs_;
  std::set<std::string> inputs_;
  std::set<std::string> pinned_;
  std::map<std::string, ValueInfo> info_;  // graph inputs/outputs and value_info merged
};

// Every name a subgraph body (recursively) mentions: inputs and outputs of its nodes and its
// outputs.
void CollectSubgraphNames(const Graph& body, std::set<std::string>& names);
// Names read by the bodies held in `node`'s graph attributes (conservative, see above).
std::set<std::string> SubgraphReads(const Node& node);
bool HasSubgraph(const Node& node);

// Fresh value/node names that collide with nothing in the graph (or its subgraphs).
class NameAllocator {
 public:
  explicit NameAllocator(const Graph& graph);
  std::string Make(const std::string& base);

 private:
  std::set<std::string> used_;
  int counter_ = 0;
};

// Replaces every explicit input `from` of top-level nodes by `to`. The caller checks `from` is not
// pinned (read by a subgraph).
void ReplaceUses(Graph& graph, const std::string& from, const std::string& to);
// Removes the nodes with remove[i] set, keeping the order of the rest.
void RemoveNodes(Graph& graph, const std::vector<bool>& remove);
// Whether the top-level graph is one the planner accepts as far as names go: every value produced
// once, no node output redefining a graph input or initializer, every input defined somewhere. The
// optimizer leaves other graphs alone so that the planner reports the problem as written.
bool IsWellFormed(const Graph& graph);
// Sorts nodes topologically (stable: keeps the file order where possible), counting a node's
// subgraph reads as inputs. Returns false and leaves the order alone on a cycle.
bool SortTopologically(Graph& graph);
// Marks `domain` as imported (opset 1) if it is not yet.
void ImportDomain(Graph& graph, const std::string& domain);

// Attribute constructors for passes.
Attribute MakeIntAttr(int64_t v);
Attribute MakeFloatAttr(float v);
Attribute MakeStringAttr(std::string v);
Attribute MakeFloatsAttr(std::vector<float> v);
Attribute MakeIntsAttr(std::vector<int64_t> v);

// Element values of a numeric tensor as double (empty for non-numeric types).
std::vector<double> TensorToDoubles(const Tensor& t);

}  // namespace berth::opt
