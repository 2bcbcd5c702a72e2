#pragma once
// Test support for the dense oneDNN kernels: runs one node through a kernel factory directly (no
// session, so no provider selection or optimizer in the way) and through the reference kernel of an
// operator, so tests can compare the two.

#include <map>
#include <random>
#include <string>
#include <vector>

#include "berth/value.h"
#include "engine/kernel.h"
#include "engine/kernel_registry.h"
#include "providers/reference/register.h"

namespace berth::dnnl_dense::testing {

class TestContext : public KernelContext {
 public:
  TestContext(const std::vector<Value>& inputs, int num_outputs, std::string label)
      : inputs_(inputs), outputs_(static_cast<size_t>(num_outputs)), label_(std::move(label)) {}
  int num_inputs() const override { return static_cast<int>(inputs_.size()); }
  int num_outputs() const override { return static_cast<int>(outputs_.size()); }
  const Value* input_value(int i) const override {
    if (i < 0 || i >= num_inputs()) return nullptr;
    const Value& v = inputs_[static_cast<size_t>(i)];
    return v.is_tensor() ? &v : nullptr;
  }
  bool output_wanted(int i) const override { return i >= 0 && i < num_outputs(); }
  Tensor* AllocateOutput(int i, DataType dtype, Shape shape) override {
    outputs_[static_cast<size_t>(i)] = Tensor(dtype, std::move(shape));
    return &outputs_[static_cast<size_t>(i)];
  }
  void SetOutput(int i, Value value) override { outputs_[static_cast<size_t>(i)] = value.tensor(); }
  StatusOr<std::vector<Value>> RunSubgraph(const std::string&, std::vector<Value>) override {
    return Unimplemented("no subgraphs in this test");
  }
  std::string NodeLabel() const override { return label_; }
  const std::vector<Tensor>& outputs() const { return outputs_; }

 private:
  std::vector<Value> inputs_;
  std::vector<Tensor> outputs_;
  std::string label_;
};

// One node to run: inputs listed in `constants` are also given to the factory as graph constants.
struct NodeRun {
  std::string op_type;
  std::string domain;
  int opset = 17;
  std::map<std::string, Attribute> attributes;
  std::vector<Value> inputs;  // Value() marks an omitted optional input
  std::vector<int> constants;
  int num_outputs = 1;
};

struct RunResult {
  Status status;
  bool declined = false;  // the factory returned no kernel
  std::vector<Tensor> outputs;
};

inline RunResult RunWithFactory(KernelFactory factory, const NodeRun& run) {
  Node node;
  node.name = "test";
  node.op_type = run.op_type;
  node.domain = run.domain;
  node.attributes = run.attributes;
  std::map<std::string, Tensor> constants;
  for (size_t i = 0; i < run.inputs.size(); ++i) {
    const bool present = run.inputs[i].is_tensor();
    node.inputs.push_back(present ? "in" + std::to_string(i) : "");
  }
  for (int i : run.constants)
    constants["in" + std::to_string(i)] = run.inputs[static_cast<size_t>(i)].tensor();
  for (int i = 0; i < run.num_outputs; ++i) node.outputs.push_back("out" + std::to_string(i));
  KernelInfo info(node, run.opset, &constants);
  RunResult r;
  StatusOr<std::unique_ptr<OpKernel>> k = factory(info);
  if (!k.ok()) {
    r.status = k.status();
    return r;
  }
  if (!k.value()) {
    r.declined = true;
    return r;
  }
  TestContext ctx(run.inputs, run.num_outputs, info.NodeLabel());
  r.status = k.value()->Compute(ctx);
  r.outputs = ctx.outputs();
  return r;
}

// Runs `run` on the reference kernel registered for (domain, op_type, opset).
inline RunResult RunReference(const NodeRun& run) {
  static const KernelRegistry* reference = [] {
    auto* r = new KernelRegistry();
    RegisterReferenceKernels(*r);
    return r;
  }();
  const KernelRegistration* reg = reference->Find(run.domain, run.op_type, run.opset);
  if (!reg) {
    RunResult r;
    r.status = NotFound("no reference kernel for " + run.op_type);
    return r;
  }
  return RunWithFactory(reg->create, run);
}

inline Tensor RandomTensor(const Shape& shape, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(DataType::kFloat32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(gen);
  return t;
}

}  // namespace berth::dnnl_dense::testing
