#pragma once
// The contract between the engine and an operator implementation (a kernel).
//
// A kernel is created once per node when a session is built (its factory reads attributes and may
// precompute/prepack constant inputs), then Compute() runs it any number of times, possibly from several
// threads at once: Compute() must not modify the kernel. Everything per-run lives in the KernelContext.

#include <memory>
#include <string>
#include <vector>

#include "berth/status.h"
#include "berth/tensor.h"
#include "berth/value.h"
#include "engine/graph.h"

namespace berth {

class ThreadPool;

// What a kernel factory sees of its node: attributes, opset, and which inputs are constant.
class KernelInfo {
 public:
  KernelInfo(const Node& node, int opset, const std::map<std::string, Tensor>* constants)
      : node_(node), opset_(opset), constants_(constants) {}

  const Node& node() const { return node_; }
  const std::string& op_type() const { return node_.op_type; }
  // The opset version the model imports for this node's domain (e.g. 13 for ai.onnx opset 13).
  // Kernels branch on it where the operator changed between versions.
  int opset() const { return opset_; }
  int num_inputs() const { return static_cast<int>(node_.inputs.size()); }
  int num_outputs() const { return static_cast<int>(node_.outputs.size()); }
  bool has_input(int i) const { return i < num_inputs() && !node_.inputs[static_cast<size_t>(i)].empty(); }

  bool HasAttribute(const std::string& name) const { return node_.FindAttribute(name) != nullptr; }
  const Attribute* GetAttribute(const std::string& name) const { return node_.FindAttribute(name); }
  int64_t GetInt(const std::string& name, int64_t default_value) const;
  float GetFloat(const std::string& name, float default_value) const;
  std::string GetString(const std::string& name, const std::string& default_value) const;
  std::vector<int64_t> GetInts(const std::string& name, std::vector<int64_t> default_value = {}) const;
  std::vector<float> GetFloats(const std::string& name, std::vector<float> default_value = {}) const;
  std::vector<std::string> GetStrings(const std::string& name,
                                      std::vector<std::string> default_value = {}) const;
  // Required attributes: an error naming the attribute and node if missing.
  StatusOr<int64_t> RequireInt(const std::string& name) const;
  StatusOr<Tensor> RequireTensor(const std::string& name) const;

  // The value of input i if it is an initializer/constant known at session build time, else nullptr.
  const Tensor* ConstantInput(int i) const;

  // "node 'conv1' (Conv)": for error messages.
  std::string NodeLabel() const;

 private:
  const Node& node_;
  int opset_;
  const std::map<std::string, Tensor>* constants_;
};

// Per-run view of one node's inputs and outputs. Implemented by the executor.
class KernelContext {
 public:
  virtual ~KernelContext() = default;

  virtual int num_inputs() const = 0;
  virtual int num_outputs() const = 0;

  // Input i as a Value; nullptr if the input is omitted (empty name) or i >= num_inputs().
  virtual const Value* input_value(int i) const = 0;
  // Input i as a Tensor; nullptr if omitted or not a tensor.
  const Tensor* input(int i) const {
    const Value* v = input_value(i);
    return (v && v->is_tensor()) ? &v->tensor() : nullptr;
  }
  // Like input(), but an error naming the node if it is missing.
  StatusOr<const Tensor*> RequireInput(int i) const;

  // Whether output i exists in the node and someone may read it.
  virtual bool output_wanted(int i) const = 0;
  // Allocates output i with the given type and shape and returns it for writing.
  virtual Tensor* AllocateOutput(int i, DataType dtype, Shape shape) = 0;
  // The same without zero-filling, for kernels that write every element of the output. The executor
  // takes the buffer from its intermediates arena (no fresh pages to fault in on steady-state runs).
  virtual Tensor* AllocateOutputUninitialized(int i, DataType dtype, Shape shape) {
    return AllocateOutput(i, dtype, std::move(shape));
  }
  // Sets output i to an existing value (e.g. a reshaped view of an input; buffers are shared).
  virtual void SetOutput(int i, Value value) = 0;

  // Runs the subgraph held in graph attribute `attr_name` with the given explicit inputs, resolving any
  // outer-scope names from the enclosing graph. Returns the subgraph's outputs in order.
  virtual StatusOr<std::vector<Value>> RunSubgraph(const std::string& attr_name,
                                                   std::vector<Value> inputs) = 0;

  // Intra-op parallelism available to this kernel (may be null: run serially).
  virtual ThreadPool* thread_pool() const { return nullptr; }

  // "node 'conv1' (Conv)": for error messages.
  virtual std::string NodeLabel() const = 0;
};

class OpKernel {
 public:
  virtual ~OpKernel() = default;
  virtual Status Compute(KernelContext& ctx) const = 0;

  // Constant release (weights held once). A kernel that turned constant input i into its own form at
  // creation (prepacked weights) and never reads the plain tensor at run time returns false here. When
  // every reader of a constant says so, the plan stops holding it, the session drops it from its graphs
  // and calls ConstantInputReleased(i) on each reader (once, before any run): the kernel must then drop
  // its own references to the plain tensor, and from then on input i is absent (nullptr) in Compute().
  // A kernel that needs the plain values again (a fallback path) rebuilds them from its own form.
  virtual bool ReadsConstantInput(int /*i*/) const { return true; }
  virtual void ConstantInputReleased(int /*i*/) {}
};

using KernelFactory = StatusOr<std::unique_ptr<OpKernel>> (*)(const KernelInfo& info);

// What a factory returns for a node it does not handle (an unsupported data type or attribute): an OK
// result holding no kernel. The planner then tries the next provider's kernel for the operator. A real
// error (a malformed node) is still returned as an error status.
inline StatusOr<std::unique_ptr<OpKernel>> DeclineNode() { return std::unique_ptr<OpKernel>(); }

// Convenience for factories of kernels without state: `return MakeKernel<AbsKernel>();`
template <typename K, typename... Args>
StatusOr<std::unique_ptr<OpKernel>> MakeKernel(Args&&... args) {
  return std::unique_ptr<OpKernel>(new K(std::forward<Args>(args)...));
}

}  // namespace berth
