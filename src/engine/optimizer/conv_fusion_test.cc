#include "engine/optimizer/optimizer_test_util.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {
namespace {

using testing::CountOps;
using testing::ExpectSameOutputs;
using testing::FindOp;
using testing::GraphBuilder;
using testing::Random;

// x -> Conv -> Add(residual) -> act -> y, with value_info as shape inference records it.
GraphBuilder ResidualBlock(const std::string& act,
                           std::map<std::string, Attribute> act_attrs = {}) {
  GraphBuilder b(17);
  b.Input("x", {1, 4, 5, 5}).Input("z", {1, 4, 5, 5}).Output("y");
  b.Init("w", Random({4, 4, 3, 3}, 1));
  b.Init("b", Random({4}, 2));
  b.Op("Conv", {"x", "w", "b"}, {"c"}, {{"pads", MakeIntsAttr({1, 1, 1, 1})}});
  b.Op("Add", {"z", "c"}, {"s"});
  b.Op(act, {"s"}, {"y"}, act_attrs);
  b.Info("c", {1, 4, 5, 5}).Info("s", {1, 4, 5, 5}).Info("y", {1, 4, 5, 5});
  return b;
}

TEST(ConvFusionTest, ConvAddReluBecomesFusedConv) {
  GraphBuilder b = ResidualBlock("Relu");
  Graph g = b.Copy();
  auto n = FuseConv(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  ASSERT_EQ(g.nodes.size(), 1u);
  const Node& f = g.nodes[0];
  EXPECT_EQ(f.op_type, "FusedConv");
  EXPECT_EQ(f.domain, kBerthDomain);
  EXPECT_EQ(f.inputs, (std::vector<std::string>{"x", "w", "b", "z"}));
  EXPECT_EQ(f.outputs, (std::vector<std::string>{"y"}));
  EXPECT_EQ(f.FindAttribute("activation")->s, "Relu");
  EXPECT_EQ(f.FindAttribute("pads")->ints, (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(g.opsets.at(kBerthDomain), 1);
  ExpectSameOutputs(b.graph(), g, {Random({1, 4, 5, 5}, 3), Random({1, 4, 5, 5}, 4)}, 0, 0);
}

TEST(ConvFusionTest, ActivationsWithParameters) {
  struct Case {
    std::string op;
    std::map<std::string, Attribute> attrs;
    std::vector<float> params;
  };
  std::vector<Case> cases = {
      {"LeakyRelu", {{"alpha", MakeFloatAttr(0.2f)}}, {0.2f}},
      {"HardSigmoid",
       {{"alpha", MakeFloatAttr(0.3f)}, {"beta", MakeFloatAttr(0.4f)}},
       {0.3f, 0.4f}},
      {"Sigmoid", {}, {}},
      {"Tanh", {}, {}},
      {"HardSwish", {}, {}},
  };
  for (const Case& c : cases) {
    GraphBuilder b = ResidualBlock(c.op, c.attrs);
    Graph g = b.Copy();
    ASSERT_TRUE(FuseConv(g).ok());
    const Node* f = FindOp(g, "FusedConv", kBerthDomain);
    ASSERT_NE(f, nullptr) << c.op;
    EXPECT_EQ(f->FindAttribute("activation")->s, c.op);
    const Attribute* p = f->FindAttribute("activation_params");
    EXPECT_EQ(p ? p->floats : std::vector<float>{}, c.params) << c.op;
    ExpectSameOutputs(b.graph(), g, {Random({1, 4, 5, 5}, 3), Random({1, 4, 5, 5}, 4)}, 0, 0);
  }
}

TEST(ConvFusionTest, ClipWithConstantBoundsAndNoResidual) {
  GraphBuilder b(13);
  b.Input("x", {1, 2, 4, 4}).Output("y");
  b.Init("w", Random({3, 2, 1, 1}, 1, -3, 3));
  b.Init("lo", Tensor::Scalar<float>(0.0f));
  b.Init("hi", Tensor::Scalar<float>(6.0f));
  b.Op("Conv", {"x", "w"}, {"c"});
  b.Op("Clip", {"c", "lo", "hi"}, {"y"});
  b.Info("c", {1, 3, 4, 4}).Info("y", {1, 3, 4, 4});
  Graph g = b.Copy();
  ASSERT_TRUE(FuseConv(g).ok());
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].inputs.size(), 2u);
  EXPECT_EQ(g.nodes[0].FindAttribute("activation_params")->floats,
            (std::vector<float>{0.0f, 6.0f}));
  ExpectSameOutputs(b.graph(), g, {Random({1, 2, 4, 4}, 2, -3, 3)}, 0, 0);
}

TEST(ConvFusionTest, ClipAttributeFormBeforeOpset11) {
  GraphBuilder b(10);
  b.Input("x", {1, 2, 4, 4}).Output("y");
  b.Init("w", Random({3, 2, 1, 1}, 1, -3, 3));
  b.Op("Conv", {"x", "w"}, {"c"});
  b.Op("Clip", {"c"}, {"y"}, {{"min", MakeFloatAttr(-1.0f)}, {"max", MakeFloatAttr(0.5f)}});
  b.Info("c", {1, 3, 4, 4}).Info("y", {1, 3, 4, 4});
  Graph g = b.Copy();
  ASSERT_TRUE(FuseConv(g).ok());
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].FindAttribute("activation_params")->floats,
            (std::vector<float>{-1.0f, 0.5f}));
  ExpectSameOutputs(b.graph(), g, {Random({1, 2, 4, 4}, 2, -3, 3)}, 0, 0);
}

// x -> Conv -> c; y = Mul(c, Sigmoid(c)) (SiLU as exported by PyTorch), operands in either order.
GraphBuilder SwishBlock(bool sigmoid_first) {
  GraphBuilder b;
  b.Input("x", {1, 3, 5, 5}).Output("y");
  b.Init("w", Random({4, 3, 3, 3}, 1));
  b.Init("b", Random({4}, 2));
  b.Op("Conv", {"x", "w", "b"}, {"c"}, {{"pads", MakeIntsAttr({1, 1, 1, 1})}});
  b.Op("Sigmoid", {"c"}, {"s"});
  b.Op("Mul", sigmoid_first ? std::vector<std::string>{"s", "c"} : std::vector<std::string>{"c", "s"},
       {"y"});
  b.Info("c", {1, 4, 5, 5}).Info("s", {1, 4, 5, 5}).Info("y", {1, 4, 5, 5});
  return b;
}

TEST(ConvFusionTest, SwishWrittenAsSigmoidAndMulBecomesTheActivation) {
  for (bool sigmoid_first : {false, true}) {
    GraphBuilder b = SwishBlock(sigmoid_first);
    Graph g = b.Copy();
    auto n = FuseConv(g);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 1);
    ASSERT_EQ(g.nodes.size(), 1u);
    const Node& f = g.nodes[0];
    EXPECT_EQ(f.op_type, "FusedConv");
    EXPECT_EQ(f.inputs, (std::vector<std::string>{"x", "w", "b"}));
    EXPECT_EQ(f.outputs, (std::vector<std::string>{"y"}));
    EXPECT_EQ(f.FindAttribute("activation")->s, "Swish");
    EXPECT_EQ(f.FindAttribute("activation_params"), nullptr);
    ExpectSameOutputs(b.graph(), g, {Random({1, 3, 5, 5}, 3, -4, 4)}, 0, 0);
  }
}

TEST(ConvFusionTest, SwishAfterAResidualAdd) {
  GraphBuilder b;
  b.Input("x", {1, 2, 3, 3}).Input("z", {1, 2, 3, 3}).Output("y");
  b.Init("w", Random({2, 2, 1, 1}, 1));
  b.Op("Conv", {"x", "w"}, {"c"});
  b.Op("Add", {"c", "z"}, {"a"});
  b.Op("Sigmoid", {"a"}, {"s"});
  b.Op("Mul", {"a", "s"}, {"y"});
  b.Info("c", {1, 2, 3, 3}).Info("a", {1, 2, 3, 3}).Info("s", {1, 2, 3, 3}).Info("y", {1, 2, 3, 3});
  Graph g = b.Copy();
  ASSERT_TRUE(FuseConv(g).ok());
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].inputs, (std::vector<std::string>{"x", "w", "", "z"}));
  EXPECT_EQ(g.nodes[0].FindAttribute("activation")->s, "Swish");
  ExpectSameOutputs(b.graph(), g, {Random({1, 2, 3, 3}, 2), Random({1, 2, 3, 3}, 3)}, 0, 0);
}

TEST(ConvFusionTest, SwishLookalikesAreLeftAlone) {
  {  // the sigmoid is also a graph output
    GraphBuilder b = SwishBlock(false);
    b.Output("s");
    Graph g = b.Copy();
    auto n = FuseConv(g);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0);
    EXPECT_EQ(CountOps(g, "Sigmoid"), 1);
  }
  {  // Mul by the sigmoid of another value (squeeze-excitation), not x * sigmoid(x)
    GraphBuilder b;
    b.Input("x", {1, 2, 3, 3}).Input("g", {1, 2, 3, 3}).Output("y").Output("s");
    b.Init("w", Random({2, 2, 1, 1}, 1));
    b.Op("Conv", {"x", "w"}, {"c"});
    b.Op("Sigmoid", {"g"}, {"s"});
    b.Op("Mul", {"c", "s"}, {"y"});
    b.Info("c", {1, 2, 3, 3}).Info("s", {1, 2, 3, 3}).Info("y", {1, 2, 3, 3});
    Graph g = b.Copy();
    auto n = FuseConv(g);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0);
  }
  {  // the Conv output has a third reader
    GraphBuilder b = SwishBlock(true);
    b.Output("r");
    b.Op("Relu", {"c"}, {"r"});
    Graph g = b.Copy();
    auto n = FuseConv(g);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0);
    ExpectSameOutputs(b.graph(), g, {Random({1, 3, 5, 5}, 3)}, 0, 0);
  }
}

TEST(ConvFusionTest, ResidualWithoutBiasKeepsAnEmptyBiasSlot) {
  GraphBuilder b;
  b.Input("x", {1, 2, 3, 3}).Input("z", {1, 2, 3, 3}).Output("y");
  b.Init("w", Random({2, 2, 1, 1}, 1));
  b.Op("Conv", {"x", "w"}, {"c"});
  b.Op("Add", {"c", "z"}, {"y"});
  b.Info("c", {1, 2, 3, 3}).Info("y", {1, 2, 3, 3});
  Graph g = b.Copy();
  ASSERT_TRUE(FuseConv(g).ok());
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].inputs, (std::vector<std::string>{"x", "w", "", "z"}));
  EXPECT_EQ(g.nodes[0].FindAttribute("activation")->s, "");
  ExpectSameOutputs(b.graph(), g, {Random({1, 2, 3, 3}, 2), Random({1, 2, 3, 3}, 3)}, 0, 0);
}

TEST(ConvFusionTest, DoesNotFuseSharedOrBroadcastIntermediates) {
  {  // the Conv output is also a graph output
    GraphBuilder b = ResidualBlock("Relu");
    b.Output("c");
    Graph g = b.Copy();
    ASSERT_TRUE(FuseConv(g).ok());
    EXPECT_EQ(CountOps(g, "Conv"), 1);
  }
  {  // a broadcast Add (bias-like) is not a residual
    GraphBuilder b;
    b.Input("x", {1, 2, 3, 3}).Output("y");
    b.Init("w", Random({2, 2, 1, 1}, 1));
    b.Init("k", Random({2, 1, 1}, 2));
    b.Op("Conv", {"x", "w"}, {"c"});
    b.Op("Add", {"c", "k"}, {"y"});
    b.Info("c", {1, 2, 3, 3}).Info("y", {1, 2, 3, 3});
    Graph g = b.Copy();
    auto n = FuseConv(g);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0);
  }
  {  // the residual's shape cannot be proven equal: nothing fuses (the Relu follows the Add)
    GraphBuilder b = ResidualBlock("Relu");
    b.graph().value_info.clear();
    b.Info("c", {-1, 4, 5, 5}, DataType::kFloat32);
    Graph g = b.Copy();
    ASSERT_TRUE(FuseConv(g).ok());
    EXPECT_EQ(CountOps(g, "Add"), 1);
  }
}

}  // namespace
}  // namespace berth::opt
