#pragma once
// ExecutionPlan: one graph (the model's, or an If/Loop/Scan body) compiled for running: value names
// mapped to slots, nodes in topological order with their kernels, and for every slot the node after
// which it is dead (so intermediates are freed as soon as their last consumer ran).
// Thread-safety: immutable after Build(); Execute() may run concurrently, each call has its own frame.

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "berth/session.h"
#include "berth/status.h"
#include "berth/value.h"
#include "engine/graph.h"
#include "engine/kernel.h"

namespace berth {

class KernelRegistry;
class ThreadPool;

// Per-run accounting of live intermediate bytes (shared with nested subgraph runs).
struct MemoryTracker {
  size_t current = 0;
  size_t peak = 0;
  void Add(size_t n) {
    current += n;
    if (current > peak) peak = current;
  }
  void Sub(size_t n) { current = n > current ? 0 : current - n; }
};

// Per-run state shared by a run and its nested subgraph runs.
struct RunState {
  MemoryTracker memory;
  const ThreadPool* thread_pool = nullptr;  // handed to kernels (KernelContext::thread_pool()); may be null
  bool profile = false;                     // accumulate per-node wall time (ExecutionPlan::Profile())
};

class ExecutionPlan {
 public:
  // `outer_names`: names visible from enclosing graphs (empty for the main graph). Names used in
  // `graph` that are defined in no scope are an error naming the node and the value.
  static StatusOr<std::unique_ptr<ExecutionPlan>> Build(std::shared_ptr<const Graph> graph,
                                                        const KernelRegistry& registry,
                                                        const std::set<std::string>& outer_names);

  // Runs the graph. `inputs` follow graph->inputs order; `overrides` may replace overridable
  // initializers by name; `outer` holds the values of outer_references() in order; `run` may be null.
  StatusOr<std::vector<Value>> Execute(std::vector<Value> inputs,
                                       const std::vector<std::pair<std::string, Value>>& overrides,
                                       const std::vector<const Value*>& outer, RunState* run) const;
  // The same with only memory accounting (serial kernels, no profiling).
  StatusOr<std::vector<Value>> Execute(std::vector<Value> inputs,
                                       const std::vector<std::pair<std::string, Value>>& overrides,
                                       const std::vector<const Value*>& outer, MemoryTracker* memory) const;

  // Per-node times accumulated by runs with RunState::profile, in execution order.
  std::vector<NodeProfile> Profile() const;
  // The provider that runs each node ("dnnl", "reference", ...), in execution order.
  std::vector<std::string> NodeProviders() const;

  const Graph& graph() const { return *graph_; }
  // Names this graph reads from enclosing scopes, in the order Execute() expects them in `outer`.
  const std::vector<std::string>& outer_references() const { return outer_names_; }
  size_t num_nodes() const { return nodes_.size(); }

 private:
  struct PlannedSubgraph {
    std::string attr_name;
    std::unique_ptr<ExecutionPlan> plan;
    std::vector<int> outer_slots;  // for each of plan->outer_references(): the slot in this frame
  };
  struct PlannedNode {
    const Node* node = nullptr;
    int opset = 0;
    std::unique_ptr<OpKernel> kernel;
    std::string provider;  // the registration's provider
    std::vector<int> inputs;   // slot per input, -1 if omitted
    std::vector<int> outputs;  // slot per output, -1 if unused
    std::vector<PlannedSubgraph> subgraphs;
    std::vector<int> free_after;  // slots whose last reader is this node
  };
  class Context;
  struct NodeStats {
    std::atomic<int64_t> calls{0};
    std::atomic<int64_t> total_ns{0};
  };

  ExecutionPlan() = default;
  Status Plan(const KernelRegistry& registry, const std::set<std::string>& outer_names);
  int SlotFor(const std::string& name);

  std::shared_ptr<const Graph> graph_;
  std::vector<std::string> slot_names_;
  std::map<std::string, int> slot_of_;
  std::vector<int> input_slots_;
  std::vector<int> output_slots_;
  std::vector<std::pair<int, Tensor>> constant_slots_;  // initializers
  std::vector<std::string> outer_names_;
  std::vector<int> outer_slots_;
  std::vector<bool> is_intermediate_;  // produced by a node and not a graph output
  std::vector<PlannedNode> nodes_;
  std::unique_ptr<NodeStats[]> stats_;  // one per node (profiling); atomics: runs may be concurrent
};

}  // namespace berth
