#include "engine/optimizer/optimizer_test_util.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {
namespace {

using testing::CountOps;
using testing::ExpectSameOutputs;
using testing::GraphBuilder;
using testing::Random;

GraphBuilder ConvBn(bool conv_bias) {
  GraphBuilder b;
  b.Input("x", {1, 3, 6, 6}).Output("y");
  b.Init("w", Random({4, 3, 3, 3}, 1));
  b.Init("scale", Random({4}, 2, 0.5f, 2.0f));
  b.Init("shift", Random({4}, 3));
  b.Init("mean", Random({4}, 4));
  b.Init("var", Random({4}, 5, 0.1f, 2.0f));
  std::vector<std::string> conv_inputs = {"x", "w"};
  if (conv_bias) {
    b.Init("b", Random({4}, 6));
    conv_inputs.push_back("b");
  }
  b.Op("Conv", conv_inputs, {"c"}, {{"pads", MakeIntsAttr({1, 1, 1, 1})}});
  b.Op("BatchNormalization", {"c", "scale", "shift", "mean", "var"}, {"y"},
       {{"epsilon", MakeFloatAttr(1e-3f)}});
  return b;
}

TEST(ConvBnFoldingTest, FoldsIntoWeightsAndBias) {
  for (bool bias : {false, true}) {
    GraphBuilder b = ConvBn(bias);
    Graph g = b.Copy();
    auto n = FoldConvBatchNorm(g);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 1);
    EXPECT_EQ(CountOps(g, "BatchNormalization"), 0);
    ASSERT_EQ(g.nodes.size(), 1u);
    EXPECT_EQ(g.nodes[0].inputs.size(), 3u);
    EXPECT_EQ(g.nodes[0].outputs[0], "y");
    EXPECT_TRUE(g.initializers.count(
        "w"));  // the original stays for other readers (dead-node pass drops it)
    ExpectSameOutputs(b.graph(), g, {Random({1, 3, 6, 6}, 7)}, 1e-4, 1e-5);
  }
}

TEST(ConvBnFoldingTest, ConvOutputWithAnotherReaderIsNotFolded) {
  GraphBuilder b = ConvBn(true);
  b.Output("c");
  Graph g = b.Copy();
  auto n = FoldConvBatchNorm(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
}

TEST(ConvBnFoldingTest, NonConstantStatisticsAreNotFolded) {
  GraphBuilder b = ConvBn(false);
  b.graph().overridable_initializers["mean"] = b.graph().initializers["mean"];
  Graph g = b.Copy();
  auto n = FoldConvBatchNorm(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
}

}  // namespace
}  // namespace berth::opt
