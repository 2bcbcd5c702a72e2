#pragma once
// ExecutionPlan: one graph (the model's, or an If/Loop/Scan body) compiled for running: value names
// mapped to slots, nodes in topological order with their kernels, and for every slot the node after
// which it is dead (so intermediates are freed as soon as their last consumer ran).
// Thread-safety: immutable after Build(); Execute() may run concurrently, each call has its own frame.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
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

// The intermediates arena of one plan: buffers of values that died go back to a free list by size
// class and the next allocation that fits (up to twice its size; later in the same run, or in a later
// run) reuses them,
// so steady-state runs neither call the system allocator for large tensors nor fault in fresh pages.
// A buffer is owned by exactly one tensor while in use (the tensor's keep-alive returns it), so
// concurrent runs share the arena safely; only the free lists are guarded by `mu_`. What is kept
// free is capped at four times the largest run's peak of live intermediates (at least kMinCap): at
// twice, MobileNetV2 batch 8 still handed ~4K pages per run back to malloc (best fit leaves slack),
// and refaulting them cost 15-20 % of its run time; the steady state's RSS is the same at 2x and 4x.
// Thread-safety: all methods may be called concurrently.
class BufferArena : public std::enable_shared_from_this<BufferArena> {
 public:
  static constexpr size_t kMinPooledBytes = 16 << 10;  // smaller buffers come from malloc directly
  static constexpr size_t kMinCap = 64 << 20;

  ~BufferArena();
  // A 64-byte aligned tensor; zero-filled when `zero` (strings and small tensors: a plain Tensor).
  Tensor Allocate(DataType dtype, Shape shape, bool zero);
  // A run's peak of live intermediate bytes (sets the cap on what is kept free).
  void NoteRunPeak(size_t bytes);

  struct Stats {
    int64_t allocations = 0;  // pooled-size requests
    int64_t reuses = 0;       // of those, served from the free lists
    size_t free_bytes = 0;    // held free now
  };
  Stats stats() const;

 private:
  void Release(void* p, size_t size_class);

  mutable std::mutex mu_;
  std::map<size_t, std::vector<void*>> free_;  // size class (bytes) -> free buffers
  size_t free_bytes_ = 0;
  size_t cap_ = kMinCap;
  Stats stats_;
};

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
  BufferArena* arena = nullptr;             // where intermediates come from; null: the plan's arena
  bool use_arena = true;                    // false: every output from malloc (benchmarks compare)
  const ThreadPool* thread_pool = nullptr;  // handed to kernels (KernelContext::thread_pool()); may be null
  bool profile = false;                     // accumulate per-node wall time (ExecutionPlan::Profile())
};

class ExecutionPlan {
 public:
  // `outer_names`: names visible from enclosing graphs (empty for the main graph). Names used in
  // `graph` that are defined in no scope are an error naming the node and the value.
  // `release_constant`, if set, is called with the name of each initializer the plan released (every
  // reader's kernel keeps its own form of it, see OpKernel::ReadsConstantInput) as soon as the last
  // reader's kernel exists, so the caller can drop its own references (the graphs) and the plain tensor
  // is freed while the remaining kernels are still being created.
  static StatusOr<std::unique_ptr<ExecutionPlan>> Build(
      std::shared_ptr<const Graph> graph, const KernelRegistry& registry, const std::set<std::string>& outer_names,
      const std::function<void(const std::string&)>& release_constant = nullptr);

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
  // Initializers no run reads (their kernels hold them in their own form), sorted.
  const std::set<std::string>& released_constants() const { return released_; }
  // The arena runs of this plan allocate from (RunState::arena; Execute uses it when the run has none).
  BufferArena& arena() const { return *arena_; }

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
  Status Plan(const KernelRegistry& registry, const std::set<std::string>& outer_names,
              const std::function<void(const std::string&)>& release_constant);
  int SlotFor(const std::string& name);

  std::shared_ptr<const Graph> graph_;
  std::vector<std::string> slot_names_;
  std::map<std::string, int> slot_of_;
  std::vector<int> input_slots_;
  std::vector<int> output_slots_;
  // Initializers (but the released ones). Runs read the plan's own copies through
  // constant_of_slot_ (null for other slots) instead of copying each into their frame: a copy per
  // run was a shape allocation and a reference-count round trip on a cache line every concurrent
  // run shares. Overridable initializers are copied per run, since an override replaces them.
  std::vector<Value> constant_values_;
  std::vector<const Value*> constant_of_slot_;
  std::vector<std::pair<int, Tensor>> per_run_constants_;
  std::set<std::string> released_;
  std::vector<std::string> outer_names_;
  std::vector<int> outer_slots_;
  std::vector<bool> is_intermediate_;  // produced by a node and not a graph output
  std::vector<PlannedNode> nodes_;
  std::unique_ptr<NodeStats[]> stats_;
  std::shared_ptr<BufferArena> arena_ = std::make_shared<BufferArena>();  // one per node (profiling); atomics: runs may be concurrent
};

}  // namespace berth
