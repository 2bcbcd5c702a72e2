#pragma once
// Session: a model loaded, validated and planned once, then run many times.
// Thread-safety: Run() may be called from several threads at once on the same Session; the plan and
// kernels are immutable after Create/Load and every run has its own frame of values.

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "berth/status.h"
#include "berth/tensor.h"
#include "berth/value.h"

namespace berth {

struct Graph;
struct Model;
class ExecutionPlan;
class KernelRegistry;

struct SessionOptions {
  // Check input count, element types and fixed dimensions against the model's declared inputs.
  bool validate_inputs = true;
  // Run ONNX's shape inference at load time (used for validation and metadata).
  bool infer_shapes = true;
  // Threads one Run() may use inside operators; 0 = one per physical core. Concurrent runs share a
  // process-wide budget so that they do not oversubscribe the cores.
  int intra_op_threads = 0;
  // Graph optimizations applied at load: 0 none, 1 basic (constant folding, dead-node/identity
  // elimination, shape-subgraph folding), 2 all (also fusions and provider layouts).
  int optimization_level = 2;
  // Use the optimized x86 provider (oneDNN) where it supports a node; the reference provider otherwise.
  bool use_optimized_provider = true;
  // Record per-node execution times (Session::profile()).
  bool enable_profiling = false;
  // Reuse intermediate buffers across and within runs (the plan's arena); false allocates each one.
  bool intermediate_arena = true;
};

// Time spent in one node over all profiled runs (SessionOptions::enable_profiling).
struct NodeProfile {
  std::string node_name;
  std::string op_type;
  std::string provider;  // "reference", "dnnl", ...
  int64_t calls = 0;
  int64_t total_us = 0;
};

// Where Session::Load's time went (milliseconds). Import: parsing the file, shape inference, function
// inlining and reading the weights into tensors; optimize: graph passes and provider layouts; plan:
// kernel creation, which includes prepacking weights.
struct LoadTimings {
  double import_ms = 0;
  double optimize_ms = 0;
  double plan_ms = 0;
};

// Declared type of a model input or output, as callers see it.
struct TensorInfo {
  std::string name;
  DataType dtype = DataType::kUndefined;
  bool is_tensor = true;         // false for sequence/optional values
  bool has_shape = false;        // false: rank unknown
  std::vector<int64_t> dims;     // -1 for a dynamic dimension
  std::vector<std::string> dim_names;  // symbolic names of dynamic dimensions ("" if none)
};

class Session {
 public:
  ~Session();

  // Loads an ONNX model file. External data files are resolved relative to the model's folder.
  static StatusOr<std::unique_ptr<Session>> Load(const std::string& path, const SessionOptions& options = {});
  // Loads from serialized bytes; `base_dir` resolves external data ("" forbids external data).
  static StatusOr<std::unique_ptr<Session>> LoadFromBytes(std::string_view bytes, const std::string& base_dir,
                                                          const SessionOptions& options = {});
  // Builds a session from an in-memory model (tests and tools that build graphs directly).
  static StatusOr<std::unique_ptr<Session>> Create(std::shared_ptr<const Model> model,
                                                   const SessionOptions& options = {});

  const std::vector<TensorInfo>& inputs() const { return inputs_; }
  const std::vector<TensorInfo>& outputs() const { return outputs_; }

  // Runs with one value per declared input, in graph input order. Returns all graph outputs in order.
  StatusOr<std::vector<Value>> Run(const std::vector<Value>& inputs) const;
  // Runs with named inputs (any order; overridable initializers may be given too).
  StatusOr<std::vector<Value>> Run(const std::vector<std::pair<std::string, Value>>& inputs) const;

  // Largest number of bytes of intermediate values alive at once in any run so far.
  size_t peak_intermediate_bytes() const { return peak_intermediate_bytes_.load(); }
  // Per-node times, in execution order (empty unless SessionOptions::enable_profiling).
  std::vector<NodeProfile> profile() const;
  // The provider ("dnnl", "reference", ...) that runs each node of the executed graph, in execution order.
  std::vector<std::string> node_providers() const;
  const LoadTimings& load_timings() const { return load_timings_; }
  // Number of nodes in the executed (top-level) graph.
  size_t num_nodes() const;
  // The model as loaded: metadata, inputs, outputs. When the session loaded the model itself, the
  // graph lacks the initializers that kernels hold in their own form (prepacked weights, see
  // OpKernel::ReadsConstantInput); executed_graph() is what runs.
  const Model& model() const { return *model_; }
  // The graph the session runs (optimized, provider layouts applied), nodes in file order.
  const Graph& executed_graph() const;

 private:
  Session() = default;
  // `owned`: the model itself when this session loaded it (no one else holds it), so initializers that
  // the kernels keep in their own form can be dropped from its graph too; null for a shared model.
  static StatusOr<std::unique_ptr<Session>> CreateImpl(std::shared_ptr<const Model> model, Model* owned,
                                                       const SessionOptions& options);
  Status ValidateInputs(const std::vector<Value>& inputs) const;
  StatusOr<std::vector<Value>> Execute(std::vector<Value> inputs,
                                       const std::vector<std::pair<std::string, Value>>& overrides) const;

  std::shared_ptr<const Model> model_;
  std::unique_ptr<ExecutionPlan> plan_;
  std::vector<TensorInfo> inputs_;
  std::vector<TensorInfo> outputs_;
  SessionOptions options_;
  LoadTimings load_timings_;
  mutable std::atomic<size_t> peak_intermediate_bytes_{0};
};

// The registry with every kernel Berth has, optimized providers first (built once, shared).
const KernelRegistry& DefaultKernelRegistry();
// The reference provider's kernels only (SessionOptions::use_optimized_provider = false).
const KernelRegistry& ReferenceKernelRegistry();

}  // namespace berth
