#pragma once
// Test helpers for the oneDNN provider: build small models in code, run them on a reference-only
// session and on the optimized one, compare.

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "berth/session.h"
#include "engine/graph.h"
#include "engine/testing/op_tester.h"

namespace berth::dnnl_provider {

inline Tensor RandomTensor(const Shape& shape, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  Tensor t(DataType::kFloat32, shape);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = dist(rng);
  return t;
}

class ModelBuilder {
 public:
  void Input(const std::string& name, Tensor value) {
    ValueInfo vi;
    vi.name = name;
    vi.kind = ValueInfo::Kind::kTensor;
    vi.dtype = value.dtype();
    graph_.inputs.push_back(vi);
    values_.emplace_back(std::move(value));
  }
  void Initializer(const std::string& name, Tensor value) { graph_.initializers[name] = std::move(value); }
  // The reference is valid until the next AddNode.
  Node& AddNode(const std::string& op, std::vector<std::string> inputs, std::vector<std::string> outputs,
                const std::string& domain = "") {
    Node n;
    n.name = op + "_" + std::to_string(graph_.nodes.size());
    n.op_type = op;
    n.domain = domain;
    n.inputs = std::move(inputs);
    while (!n.inputs.empty() && n.inputs.back().empty()) n.inputs.pop_back();
    n.outputs = std::move(outputs);
    graph_.nodes.push_back(std::move(n));
    return graph_.nodes.back();
  }
  void Output(const std::string& name) {
    ValueInfo vi;
    vi.name = name;
    graph_.outputs.push_back(vi);
  }
  std::shared_ptr<const Model> Build() const {
    auto model = std::make_shared<Model>();
    model->ir_version = 8;
    model->graph = std::make_shared<Graph>(graph_);
    model->graph->name = "test";
    model->graph->opsets = {{"", 17}, {"com.berth", 1}};
    return model;
  }
  const std::vector<Value>& InputValues() const { return values_; }
  Graph& graph() { return graph_; }

 private:
  Graph graph_;
  std::vector<Value> values_;
};

inline SessionOptions ReferenceOptions() {
  SessionOptions o;
  o.use_optimized_provider = false;
  o.optimization_level = 0;
  o.infer_shapes = false;
  return o;
}

// The optimized provider without graph rewrites: each node runs as written.
inline SessionOptions OptimizedOptions(int level = 0) {
  SessionOptions o;
  o.optimization_level = level;
  o.infer_shapes = false;
  return o;
}

inline StatusOr<std::vector<Value>> RunModel(const ModelBuilder& mb, bool optimized, int level = 0) {
  ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                   Session::Create(mb.Build(), optimized ? OptimizedOptions(level) : ReferenceOptions()));
  return session->Run(mb.InputValues());
}

// Runs `mb` on both providers and compares every output; every node whose op type is in `dnnl_ops`
// must have run on the dnnl provider (at optimization level 0).
inline void ExpectSameAsReference(const ModelBuilder& mb, const std::set<std::string>& dnnl_ops,
                                  double rtol = 1e-4, double atol = 1e-5, int level = 0) {
  auto expected = RunModel(mb, false);
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();
  auto session = Session::Create(mb.Build(), OptimizedOptions(level));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  if (level == 0) {
    std::vector<std::string> providers = (*session)->node_providers();
    const Graph& g = *mb.Build()->graph;
    ASSERT_EQ(providers.size(), g.nodes.size());
    for (size_t i = 0; i < providers.size(); ++i) {
      if (dnnl_ops.count(g.nodes[i].op_type)) EXPECT_EQ(providers[i], "dnnl") << g.nodes[i].op_type;
    }
  }
  auto actual = (*session)->Run(mb.InputValues());
  ASSERT_TRUE(actual.ok()) << actual.status().ToString();
  ASSERT_EQ(actual->size(), expected->size());
  for (size_t i = 0; i < actual->size(); ++i) {
    testing::ExpectTensorNear((*actual)[i].tensor(), (*expected)[i].tensor(), rtol, atol);
  }
}

}  // namespace berth::dnnl_provider
