#include "engine/testing/op_tester.h"

#include <gtest/gtest.h>

#include "engine/tensor_compare.h"

namespace berth::testing {

StatusOr<std::vector<Value>> RunOp(const OpTest& test) {
  auto graph = std::make_shared<Graph>();
  graph->name = "op_test";
  graph->opsets[""] = test.opset;
  if (!test.domain.empty()) graph->opsets[test.domain] = 1;
  Node node;
  node.name = "test_" + test.op_type;
  node.op_type = test.op_type;
  node.domain = test.domain;
  node.attributes = test.attributes;
  std::vector<std::pair<std::string, Value>> feeds;
  for (size_t i = 0; i < test.inputs.size(); ++i) {
    if (test.inputs[i].is_empty()) {
      node.inputs.push_back("");
      continue;
    }
    std::string name = "in" + std::to_string(i);
    node.inputs.push_back(name);
    ValueInfo vi;
    vi.name = name;
    graph->inputs.push_back(vi);
    feeds.emplace_back(name, test.inputs[i]);
  }
  for (int i = 0; i < test.num_outputs; ++i) {
    std::string name = "out" + std::to_string(i);
    node.outputs.push_back(name);
    ValueInfo vi;
    vi.name = name;
    graph->outputs.push_back(vi);
  }
  graph->nodes.push_back(std::move(node));
  auto model = std::make_shared<Model>();
  model->ir_version = 8;
  model->graph = graph;
  SessionOptions options;
  options.validate_inputs = false;
  options.infer_shapes = false;
  ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Create(model, options));
  return session->Run(feeds);
}

Attribute IntAttr(int64_t v) { Attribute a; a.type = Attribute::Type::kInt; a.i = v; return a; }
Attribute FloatAttr(float v) { Attribute a; a.type = Attribute::Type::kFloat; a.f = v; return a; }
Attribute StringAttr(std::string v) { Attribute a; a.type = Attribute::Type::kString; a.s = std::move(v); return a; }
Attribute IntsAttr(std::vector<int64_t> v) { Attribute a; a.type = Attribute::Type::kInts; a.ints = std::move(v); return a; }
Attribute FloatsAttr(std::vector<float> v) { Attribute a; a.type = Attribute::Type::kFloats; a.floats = std::move(v); return a; }
Attribute StringsAttr(std::vector<std::string> v) { Attribute a; a.type = Attribute::Type::kStrings; a.strings = std::move(v); return a; }
Attribute TensorAttr(Tensor v) { Attribute a; a.type = Attribute::Type::kTensor; a.t = std::move(v); return a; }
Attribute GraphAttr(std::shared_ptr<Graph> g) { Attribute a; a.type = Attribute::Type::kGraph; a.g = std::move(g); return a; }

std::string CompareTensors(const Tensor& actual, const Tensor& expected, double rtol, double atol) {
  return berth::CompareTensors(actual, expected, rtol, atol);
}

Tensor RunOpOutput(const OpTest& test, int index) {
  auto out = RunOp(test);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  if (!out.ok()) return Tensor();
  if (index < 0 || static_cast<size_t>(index) >= out->size()) {
    ADD_FAILURE() << test.op_type << " has no output " << index;
    return Tensor();
  }
  return (*out)[static_cast<size_t>(index)].tensor();
}

std::vector<Value> RunOpOutputs(const OpTest& test) {
  auto out = RunOp(test);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out
                  : std::vector<Value>(static_cast<size_t>(test.num_outputs), Value(Tensor()));
}

void ExpectTensorNear(const Tensor& actual, const Tensor& expected, double rtol, double atol) {
  std::string diff = berth::CompareTensors(actual, expected, rtol, atol);
  EXPECT_TRUE(diff.empty()) << diff;
}

void ExpectTensorEq(const Tensor& actual, const Tensor& expected) {
  std::string diff = berth::CompareTensors(actual, expected, 0, 0);
  EXPECT_TRUE(diff.empty()) << diff;
}

}  // namespace berth::testing
