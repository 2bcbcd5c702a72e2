#pragma once
// Test helpers for the optimizer passes: build a small graph, run it before and after a rewrite
// with optimization_level 0 (so only the pass under test changed it), compare outputs.

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "berth/session.h"
#include "engine/graph.h"
#include "engine/optimizer/graph_view.h"
#include "engine/tensor_compare.h"

namespace berth::opt::testing {

class GraphBuilder {
 public:
  GraphBuilder(int opset = 17) : graph_(std::make_shared<Graph>()) {
    graph_->name = "optimizer_test";
    graph_->opsets[""] = opset;
  }

  // A graph input with a declared type and shape (-1: dynamic).
  GraphBuilder& Input(const std::string& name, Shape dims, DataType dtype = DataType::kFloat32) {
    graph_->inputs.push_back(MakeInfo(name, std::move(dims), dtype));
    return *this;
  }
  GraphBuilder& Output(const std::string& name) {
    ValueInfo vi;
    vi.name = name;
    graph_->outputs.push_back(vi);
    return *this;
  }
  GraphBuilder& Init(const std::string& name, Tensor t) {
    graph_->initializers[name] = std::move(t);
    return *this;
  }
  // Static type of an intermediate, as ONNX shape inference would record it.
  GraphBuilder& Info(const std::string& name, Shape dims, DataType dtype = DataType::kFloat32) {
    graph_->value_info[name] = MakeInfo(name, std::move(dims), dtype);
    return *this;
  }
  Node& Op(const std::string& op_type, std::vector<std::string> inputs,
           std::vector<std::string> outputs, std::map<std::string, Attribute> attributes = {},
           const std::string& domain = "") {
    Node node;
    node.name = op_type + "_" + std::to_string(graph_->nodes.size());
    node.op_type = op_type;
    node.domain = domain;
    node.inputs = std::move(inputs);
    node.outputs = std::move(outputs);
    node.attributes = std::move(attributes);
    graph_->nodes.push_back(std::move(node));
    return graph_->nodes.back();
  }
  Graph& graph() { return *graph_; }
  // A deep-enough copy to rewrite (subgraph bodies are shared, passes do not touch them).
  Graph Copy() const { return *graph_; }

 private:
  static ValueInfo MakeInfo(const std::string& name, Shape dims, DataType dtype) {
    ValueInfo vi;
    vi.name = name;
    vi.kind = ValueInfo::Kind::kTensor;
    vi.dtype = dtype;
    vi.has_shape = true;
    vi.dims = std::move(dims);
    vi.dim_names.assign(vi.dims.size(), "");
    for (size_t i = 0; i < vi.dims.size(); ++i)
      if (vi.dims[i] < 0) vi.dim_names[i] = "d" + std::to_string(i);
    return vi;
  }
  std::shared_ptr<Graph> graph_;
};

inline Tensor Random(Shape shape, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(DataType::kFloat32, std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

// Runs `graph` unoptimized (level 0) on `inputs` (graph input order).
inline StatusOr<std::vector<Value>> RunGraph(const Graph& graph, const std::vector<Value>& inputs) {
  auto model = std::make_shared<Model>();
  model->ir_version = 8;
  model->graph = std::make_shared<Graph>(graph);
  SessionOptions options;
  options.optimization_level = 0;
  options.infer_shapes = false;
  options.use_optimized_provider = false;
  ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Create(model, options));
  return session->Run(inputs);
}

// Both graphs run and give the same outputs within tolerance.
inline void ExpectSameOutputs(const Graph& original, const Graph& optimized,
                              const std::vector<Value>& inputs, double rtol = 1e-5,
                              double atol = 1e-6) {
  auto want = RunGraph(original, inputs);
  ASSERT_TRUE(want.ok()) << "original: " << want.status().ToString();
  auto got = RunGraph(optimized, inputs);
  ASSERT_TRUE(got.ok()) << "optimized: " << got.status().ToString();
  ASSERT_EQ(want->size(), got->size());
  for (size_t i = 0; i < want->size(); ++i) {
    ASSERT_TRUE((*want)[i].is_tensor() && (*got)[i].is_tensor());
    EXPECT_EQ(CompareTensors((*got)[i].tensor(), (*want)[i].tensor(), rtol, atol), "")
        << "output " << i;
  }
}

inline int CountOps(const Graph& graph, const std::string& op_type,
                    const std::string& domain = "") {
  int n = 0;
  for (const Node& node : graph.nodes) n += node.op_type == op_type && node.domain == domain;
  return n;
}

inline const Node* FindOp(const Graph& graph, const std::string& op_type,
                          const std::string& domain = "") {
  for (const Node& node : graph.nodes)
    if (node.op_type == op_type && node.domain == domain) return &node;
  return nullptr;
}

}  // namespace berth::opt::testing
