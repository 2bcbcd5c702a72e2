// The reference com.berth kernels: hand-computed values, and agreement with the unfused ai.onnx
// kernels they stand for.

#include "providers/reference/fused/fused_ops.h"

#include <gtest/gtest.h>

#include <cmath>

#include "berth/session.h"
#include "engine/graph.h"
#include "engine/testing/op_tester.h"

namespace berth::fused {
namespace {

using berth::testing::ExpectTensorNear;
using berth::testing::FloatsAttr;
using berth::testing::IntsAttr;
using berth::testing::OpTest;
using berth::testing::StringAttr;

OpTest Berth(const std::string& op) {
  OpTest t(op);
  t.domain = kDomain;
  return t;
}

// Like testing::RunOp, on the reference provider alone (`optimized` false) or with the optimized
// providers first (whichever takes the node).
StatusOr<std::vector<Value>> RunOn(const OpTest& test, bool optimized) {
  auto graph = std::make_shared<Graph>();
  graph->name = "fused_op_test";
  graph->opsets[""] = test.opset;
  graph->opsets[test.domain] = 1;
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
    ValueInfo vi;
    vi.name = "in" + std::to_string(i);
    node.inputs.push_back(vi.name);
    graph->inputs.push_back(vi);
    feeds.emplace_back(vi.name, test.inputs[i]);
  }
  ValueInfo out;
  out.name = "out0";
  node.outputs.push_back(out.name);
  graph->outputs.push_back(out);
  graph->nodes.push_back(std::move(node));
  auto model = std::make_shared<Model>();
  model->graph = graph;
  SessionOptions options;
  options.validate_inputs = false;
  options.infer_shapes = false;
  options.optimization_level = 0;
  options.use_optimized_provider = optimized;
  ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Create(model, options));
  return session->Run(feeds);
}

StatusOr<std::vector<Value>> RunReference(const OpTest& test) { return RunOn(test, false); }

// The reference result; the optimized providers must agree with it.
Tensor ReferenceOutput(const OpTest& test) {
  auto ref = RunOn(test, false);
  EXPECT_TRUE(ref.ok()) << ref.status().ToString();
  if (!ref.ok()) return Tensor();
  auto opt = RunOn(test, true);
  EXPECT_TRUE(opt.ok()) << "optimized providers: " << opt.status().ToString();
  if (opt.ok()) ExpectTensorNear((*opt)[0].tensor(), (*ref)[0].tensor(), 1e-5, 1e-5);
  return (*ref)[0].tensor();
}

TEST(FusedOpsTest, FusedConvAddsResidualThenActivates) {
  // 1x1 convolution with one output channel: y = act(2*x0 + 3*x1 + 1 + z).
  OpTest t = Berth("FusedConv");
  t.attributes["activation"] = StringAttr("Clip");
  t.attributes["activation_params"] = FloatsAttr({0.0f, 6.0f});
  t.inputs = {Tensor::FromVector<float>({1, 2, 1, 3}, {1, -2, 3, 1, 0, 1}),
              Tensor::FromVector<float>({1, 2, 1, 1}, {2, 3}), Tensor::FromVector<float>({1}, {1}),
              Tensor::FromVector<float>({1, 1, 1, 3}, {0.5f, 0, -10})};
  // 2+3+1+0.5 = 6.5 -> 6; -4+0+1+0 = -3 -> 0; 6+3+1-10 = 0
  ExpectTensorNear(ReferenceOutput(t), Tensor::FromVector<float>({1, 1, 1, 3}, {6, 0, 0}));
}

TEST(FusedOpsTest, FusedConvWithoutBiasKeepsConvAttributes) {
  OpTest t = Berth("FusedConv");
  t.attributes["activation"] = StringAttr("Relu");
  t.attributes["pads"] = IntsAttr({1, 1, 1, 1});
  t.attributes["strides"] = IntsAttr({2, 2});
  t.inputs = {Tensor::FromVector<float>({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}),
              Tensor::FromVector<float>({1, 1, 3, 3}, {0, 0, 0, 0, 1, 0, 0, 0, -1}), Value()};
  // Strided picks centres (0,0),(0,2),(2,0),(2,2): x - x(+1,+1) -> 1-5, 3-0, 7-0, 9-0
  ExpectTensorNear(ReferenceOutput(t), Tensor::FromVector<float>({1, 1, 2, 2}, {0, 3, 7, 9}));
}

TEST(FusedOpsTest, FusedMatMulBiasGelu) {
  OpTest t = Berth("FusedMatMul");
  t.attributes["activation"] = StringAttr("Gelu");
  t.inputs = {Tensor::FromVector<float>({1, 2, 2}, {1, 2, 3, 4}),
              Tensor::FromVector<float>({2, 1}, {1, -1}), Tensor::FromVector<float>({1}, {0.5f})};
  auto gelu = [](double x) {
    return static_cast<float>(0.5 * x * (1 + std::erf(x / std::sqrt(2.0))));
  };
  ExpectTensorNear(ReferenceOutput(t),
                   Tensor::FromVector<float>({1, 2, 1}, {gelu(-0.5), gelu(-0.5)}));
}

TEST(FusedOpsTest, FusedGemmAppliesGemmAttributesThenActivation) {
  OpTest t = Berth("FusedGemm");
  t.attributes["activation"] = StringAttr("LeakyRelu");
  t.attributes["activation_params"] = FloatsAttr({0.1f});
  t.attributes["transB"] = berth::testing::IntAttr(1);
  t.attributes["alpha"] = berth::testing::FloatAttr(2.0f);
  t.inputs = {Tensor::FromVector<float>({1, 2}, {1, 2}),
              Tensor::FromVector<float>({2, 2}, {1, 1, -3, 0}),
              Tensor::FromVector<float>({2}, {0, 1})};
  // 2 * [1*1+2*1, 1*-3+2*0] + [0, 1] = [6, -5] -> [6, -0.5]
  ExpectTensorNear(ReferenceOutput(t), Tensor::FromVector<float>({1, 2}, {6, -0.5f}));
}

TEST(FusedOpsTest, GeluAndLayerNormalizationFollowTheOnnxOperators) {
  Tensor x = Tensor::FromVector<float>({2, 3}, {1, 2, 3, -1, 0, 4});
  for (const char* approx : {"none", "tanh"}) {
    OpTest ours = Berth("Gelu");
    ours.attributes["approximate"] = StringAttr(approx);
    ours.inputs = {x};
    OpTest onnx("Gelu");
    onnx.opset = 20;
    onnx.attributes = ours.attributes;
    onnx.inputs = {x};
    ExpectTensorNear(ReferenceOutput(ours), berth::testing::RunOpOutput(onnx), 1e-6, 1e-6);
  }
  OpTest ln = Berth("LayerNormalization");
  ln.attributes["epsilon"] = berth::testing::FloatAttr(0.0f);
  ln.inputs = {Tensor::FromVector<float>({1, 2}, {1, 3}), Tensor::FromVector<float>({2}, {1, 2}),
               Tensor::FromVector<float>({2}, {0, 1})};
  ExpectTensorNear(ReferenceOutput(ln), Tensor::FromVector<float>({1, 2}, {-1, 3}));
}

TEST(FusedOpsTest, BadInputsAndAttributesAreErrorsNamingTheNode) {
  OpTest t = Berth("FusedConv");
  t.attributes["activation"] = StringAttr("Relu");
  t.inputs = {Tensor::FromVector<float>({1, 1, 2, 2}, {1, 2, 3, 4}),
              Tensor::FromVector<float>({1, 1, 1, 1}, {1}), Value(),
              Tensor::FromVector<float>({1, 1, 1, 2}, {1, 2})};
  auto out = RunReference(t);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("'Z'"), std::string::npos) << out.status().message();
  EXPECT_NE(out.status().message().find("test_FusedConv"), std::string::npos)
      << out.status().message();

  t.inputs.pop_back();
  t.attributes["activation"] = StringAttr("Gelu");  // not a FusedConv activation
  out = RunReference(t);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("unsupported activation 'Gelu'"), std::string::npos)
      << out.status().message();

  OpTest m = Berth("FusedMatMul");
  m.inputs = {Tensor::FromVector<float>({1, 2}, {1, 2}),
              Tensor::FromVector<float>({2, 2}, {1, 2, 3, 4}),
              Tensor::FromVector<float>({3}, {1, 2, 3})};
  out = RunReference(m);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("'Bias'"), std::string::npos) << out.status().message();
}

}  // namespace
}  // namespace berth::fused
