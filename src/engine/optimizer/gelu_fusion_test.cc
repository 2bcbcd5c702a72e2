#include "engine/optimizer/optimizer_test_util.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {
namespace {

using testing::CountOps;
using testing::ExpectSameOutputs;
using testing::FindOp;
using testing::GraphBuilder;
using testing::Random;

void AddScalars(GraphBuilder& b) {
  b.Init("sqrt2", Tensor::Scalar<float>(1.4142135f));
  b.Init("inv_sqrt2", Tensor::Scalar<float>(0.70710678f));
  b.Init("one", Tensor::Scalar<float>(1.0f));
  b.Init("half", Tensor::Scalar<float>(0.5f));
  b.Init("three", Tensor::Scalar<float>(3.0f));
  b.Init("kappa", Tensor::Scalar<float>(0.044715f));
  b.Init("beta", Tensor::Scalar<float>(0.7978845608f));
}

// Torch's export: Div -> Erf -> Add(1) -> Mul(x, .) -> Mul(., 0.5).
TEST(GeluFusionTest, ErfFormAsTorchExportsIt) {
  GraphBuilder b;
  b.Input("x", {2, 8}).Output("y");
  AddScalars(b);
  b.Op("Div", {"x", "sqrt2"}, {"d"});
  b.Op("Erf", {"d"}, {"e"});
  b.Op("Add", {"e", "one"}, {"a"});
  b.Op("Mul", {"x", "a"}, {"m"});
  b.Op("Mul", {"m", "half"}, {"y"});
  Graph g = b.Copy();
  auto n = FuseGelu(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op_type, "Gelu");
  EXPECT_EQ(g.nodes[0].domain, kBerthDomain);
  EXPECT_EQ(g.nodes[0].inputs[0], "x");
  EXPECT_EQ(g.nodes[0].FindAttribute("approximate")->s, "none");
  ExpectSameOutputs(b.graph(), g, {Random({2, 8}, 1, -4, 4)}, 1e-5, 1e-6);
}

// Mul(x, 1/sqrt2) and the (x * 0.5) * a grouping.
TEST(GeluFusionTest, ErfFormOtherGroupings) {
  GraphBuilder b;
  b.Input("x", {5}).Output("y");
  AddScalars(b);
  b.Op("Mul", {"inv_sqrt2", "x"}, {"d"});
  b.Op("Erf", {"d"}, {"e"});
  b.Op("Add", {"one", "e"}, {"a"});
  b.Op("Mul", {"x", "half"}, {"h"});
  b.Op("Mul", {"h", "a"}, {"y"});
  Graph g = b.Copy();
  ASSERT_TRUE(FuseGelu(g).ok());
  ASSERT_EQ(g.nodes.size(), 1u);
  ExpectSameOutputs(b.graph(), g, {Random({5}, 2, -4, 4)}, 1e-5, 1e-6);
}

// HuggingFace's NewGELU: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * pow(x, 3)))).
TEST(GeluFusionTest, TanhForm) {
  for (bool use_pow : {true, false}) {
    GraphBuilder b;
    b.Input("x", {3, 4}).Output("y");
    AddScalars(b);
    if (use_pow) {
      b.Op("Pow", {"x", "three"}, {"cube"});
    } else {
      b.Op("Mul", {"x", "x"}, {"sq"});
      b.Op("Mul", {"x", "sq"}, {"cube"});
    }
    b.Op("Mul", {"kappa", "cube"}, {"k"});
    b.Op("Add", {"x", "k"}, {"inner"});
    b.Op("Mul", {"beta", "inner"}, {"scaled"});
    b.Op("Tanh", {"scaled"}, {"t"});
    b.Op("Add", {"one", "t"}, {"a"});
    b.Op("Mul", {"half", "x"}, {"h"});
    b.Op("Mul", {"h", "a"}, {"y"});
    Graph g = b.Copy();
    auto n = FuseGelu(g);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 1);
    ASSERT_EQ(g.nodes.size(), 1u);
    EXPECT_EQ(g.nodes[0].FindAttribute("approximate")->s, "tanh");
    ExpectSameOutputs(b.graph(), g, {Random({3, 4}, 3, -4, 4)}, 1e-5, 1e-6);
  }
}

TEST(GeluFusionTest, WrongConstantsOrSharedIntermediatesDoNotFuse) {
  {
    GraphBuilder b;
    b.Input("x", {4}).Output("y");
    AddScalars(b);
    b.Op("Div", {"x", "sqrt2"}, {"d"});
    b.Op("Erf", {"d"}, {"e"});
    b.Op("Add", {"e", "one"}, {"a"});
    b.Op("Mul", {"x", "a"}, {"m"});
    b.Op("Mul", {"m", "one"}, {"y"});  // 1, not 0.5
    Graph g = b.Copy();
    auto n = FuseGelu(g);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0);
  }
  {
    GraphBuilder b;
    b.Input("x", {4}).Output("y").Output("e");
    AddScalars(b);
    b.Op("Div", {"x", "sqrt2"}, {"d"});
    b.Op("Erf", {"d"}, {"e"});  // a graph output
    b.Op("Add", {"e", "one"}, {"a"});
    b.Op("Mul", {"x", "a"}, {"m"});
    b.Op("Mul", {"m", "half"}, {"y"});
    Graph g = b.Copy();
    auto n = FuseGelu(g);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0);
    EXPECT_EQ(CountOps(g, "Erf"), 1);
  }
}

}  // namespace
}  // namespace berth::opt
