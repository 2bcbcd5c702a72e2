#include "engine/optimizer/optimizer_test_util.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {
namespace {

using testing::CountOps;
using testing::ExpectSameOutputs;
using testing::FindOp;
using testing::GraphBuilder;
using testing::Random;

// The decomposition torch exports below opset 17. `opset18` passes ReduceMean's axes as an input.
GraphBuilder Decomposed(bool affine, bool opset18, std::vector<int64_t> axes = {-1}) {
  GraphBuilder b(opset18 ? 18 : 13);
  b.Input("x", {2, 3, 8}).Output("y");
  b.Init("two", Tensor::Scalar<float>(2.0f));
  b.Init("eps", Tensor::Scalar<float>(1e-5f));
  b.Init("axes", Tensor::FromVector<int64_t>({static_cast<int64_t>(axes.size())}, axes));
  const std::map<std::string, Attribute> attrs =
      opset18 ? std::map<std::string, Attribute>{}
              : std::map<std::string, Attribute>{{"axes", MakeIntsAttr(axes)}};
  const std::vector<std::string> in1 =
      opset18 ? std::vector<std::string>{"x", "axes"} : std::vector<std::string>{"x"};
  b.Op("ReduceMean", in1, {"mean"}, attrs);
  b.Op("Sub", {"x", "mean"}, {"d"});
  b.Op("Pow", {"d", "two"}, {"sq"});
  b.Op("ReduceMean",
       opset18 ? std::vector<std::string>{"sq", "axes"} : std::vector<std::string>{"sq"}, {"var"},
       attrs);
  b.Op("Add", {"var", "eps"}, {"ve"});
  b.Op("Sqrt", {"ve"}, {"std"});
  b.Op("Div", {"d", "std"}, {affine ? "n" : "y"});
  if (affine) {
    b.Init("gamma", Random({8}, 1));
    b.Init("beta", Random({8}, 2));
    b.Op("Mul", {"n", "gamma"}, {"ng"});
    b.Op("Add", {"ng", "beta"}, {"y"});
  }
  return b;
}

TEST(LayerNormFusionTest, TorchDecompositionBecomesLayerNormalization) {
  for (bool opset18 : {false, true}) {
    GraphBuilder b = Decomposed(/*affine=*/true, opset18);
    Graph g = b.Copy();
    auto n = FuseLayerNorm(g);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 1);
    ASSERT_EQ(g.nodes.size(), 1u);
    const Node& ln = g.nodes[0];
    EXPECT_EQ(ln.op_type, "LayerNormalization");
    EXPECT_EQ(ln.domain, kBerthDomain);
    EXPECT_EQ(ln.inputs, (std::vector<std::string>{"x", "gamma", "beta"}));
    EXPECT_EQ(ln.FindAttribute("axis")->i, -1);
    EXPECT_FLOAT_EQ(ln.FindAttribute("epsilon")->f, 1e-5f);
    ExpectSameOutputs(b.graph(), g, {Random({2, 3, 8}, 3, -2, 2)}, 1e-4, 1e-5);
  }
}

TEST(LayerNormFusionTest, WithoutAffinePartAndOverTwoAxes) {
  GraphBuilder b = Decomposed(/*affine=*/false, /*opset18=*/false, {1, 2});
  Graph g = b.Copy();
  ASSERT_TRUE(FuseLayerNorm(g).ok());
  const Node* ln = FindOp(g, "LayerNormalization", kBerthDomain);
  ASSERT_NE(ln, nullptr);
  EXPECT_EQ(ln->FindAttribute("axis")->i, -2);
  EXPECT_EQ(g.initializers.at(ln->inputs[1]).shape(), (Shape{3, 8}));
  ExpectSameOutputs(b.graph(), g, {Random({2, 3, 8}, 4, -2, 2)}, 1e-4, 1e-5);
}

TEST(LayerNormFusionTest, NonTrailingAxesOrSharedIntermediatesDoNotFuse) {
  {
    GraphBuilder b = Decomposed(true, false, {0});
    Graph g = b.Copy();
    auto n = FuseLayerNorm(g);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0);
  }
  {
    GraphBuilder b = Decomposed(true, false);
    b.Output("var");
    Graph g = b.Copy();
    auto n = FuseLayerNorm(g);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0);
    EXPECT_EQ(CountOps(g, "ReduceMean"), 2);
  }
}

}  // namespace
}  // namespace berth::opt
