// The dense oneDNN kernels inside a real session: a small attention-like block runs with the
// optimized provider (and every graph optimization) and agrees with the reference-only session; the
// planner assigns the heavy nodes to oneDNN.

#include <gtest/gtest.h>

#include <algorithm>

#include "berth/session.h"
#include "engine/graph.h"
#include "engine/testing/op_tester.h"
#include "providers/dnnl/eltwise_testing.h"

namespace berth::dnnl_dense {
namespace {

using berth::testing::CompareTensors;
using berth::testing::IntAttr;
using testing::RandomTensor;

Node MakeNode(std::string op, std::vector<std::string> inputs, std::string output) {
  Node n;
  n.name = output;
  n.op_type = std::move(op);
  n.inputs = std::move(inputs);
  n.outputs = {std::move(output)};
  return n;
}

std::shared_ptr<Model> EncoderBlock() {
  auto g = std::make_shared<Graph>();
  g->opsets[""] = 17;
  ValueInfo x;
  x.name = "x";
  x.kind = ValueInfo::Kind::kTensor;
  x.dtype = DataType::kFloat32;
  x.has_shape = true;
  x.dims = {2, 32, 64};
  g->inputs.push_back(x);
  ValueInfo y = x;
  y.name = "y";
  g->outputs.push_back(y);
  g->initializers["w1"] = RandomTensor({64, 128}, 1);
  g->initializers["b1"] = RandomTensor({128}, 2);
  g->initializers["w2"] = RandomTensor({128, 64}, 3);
  g->initializers["scale"] = RandomTensor({64}, 4);
  g->initializers["shift"] = RandomTensor({64}, 5);
  g->nodes.push_back(MakeNode("MatMul", {"x", "w1"}, "h"));
  g->nodes.push_back(MakeNode("Add", {"h", "b1"}, "hb"));
  g->nodes.push_back(MakeNode("Relu", {"hb"}, "act"));
  Node softmax = MakeNode("Softmax", {"act"}, "p");
  softmax.attributes["axis"] = IntAttr(-1);
  g->nodes.push_back(softmax);
  g->nodes.push_back(MakeNode("MatMul", {"p", "w2"}, "o"));
  g->nodes.push_back(MakeNode("Add", {"o", "x"}, "r"));
  Node ln = MakeNode("LayerNormalization", {"r", "scale", "shift"}, "y");
  ln.attributes["axis"] = IntAttr(-1);
  g->nodes.push_back(ln);
  auto model = std::make_shared<Model>();
  model->ir_version = 8;
  model->graph = g;
  return model;
}

TEST(DnnlDenseSession, EncoderBlockMatchesReferenceAndRunsOnOneDnn) {
  std::shared_ptr<Model> model = EncoderBlock();
  SessionOptions reference;
  reference.infer_shapes = false;
  reference.optimization_level = 0;
  reference.use_optimized_provider = false;
  SessionOptions optimized = reference;
  optimized.optimization_level = 2;
  optimized.use_optimized_provider = true;
  optimized.intra_op_threads = 2;

  auto ref = Session::Create(model, reference);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  auto opt = Session::Create(model, optimized);
  ASSERT_TRUE(opt.ok()) << opt.status().ToString();
  const std::vector<std::string> providers = opt.value()->node_providers();
  EXPECT_GE(std::count(providers.begin(), providers.end(), "dnnl"), 4);

  for (uint32_t seed : {10u, 11u}) {
    const Tensor x = RandomTensor({2, 32, 64}, seed, -2, 2);
    auto want = ref.value()->Run(std::vector<Value>{x});
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    auto got = opt.value()->Run(std::vector<Value>{x});
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(CompareTensors((*got)[0].tensor(), (*want)[0].tensor(), 1e-4, 1e-4), "");
  }
}

}  // namespace
}  // namespace berth::dnnl_dense
