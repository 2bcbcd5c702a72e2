#include "engine/optimizer/optimizer_test_util.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {
namespace {

using testing::CountOps;
using testing::ExpectSameOutputs;
using testing::FindOp;
using testing::GraphBuilder;
using testing::Random;

TEST(MatMulFusionTest, MatMulBiasActivationBecomesFusedMatMul) {
  GraphBuilder b;
  b.Input("x", {2, 3, 4}).Output("y");
  b.Init("w", Random({4, 5}, 1));
  b.Init("bias", Random({1, 5}, 2));  // [1, N]: becomes a 1-D initializer
  b.Op("MatMul", {"x", "w"}, {"m"});
  b.Op("Add", {"bias", "m"}, {"s"});
  b.Op("Tanh", {"s"}, {"y"});
  b.Info("m", {2, 3, 5}).Info("s", {2, 3, 5}).Info("y", {2, 3, 5});
  Graph g = b.Copy();
  auto n = FuseMatMul(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  ASSERT_EQ(g.nodes.size(), 1u);
  const Node& f = g.nodes[0];
  EXPECT_EQ(f.op_type, "FusedMatMul");
  ASSERT_EQ(f.inputs.size(), 3u);
  EXPECT_EQ(g.initializers.at(f.inputs[2]).shape(), (Shape{5}));
  EXPECT_EQ(f.FindAttribute("activation")->s, "Tanh");
  ExpectSameOutputs(b.graph(), g, {Random({2, 3, 4}, 3)}, 0, 0);
}

TEST(MatMulFusionTest, AbsorbsBerthGelu) {
  GraphBuilder b;
  b.Input("x", {3, 4}).Output("y");
  b.Init("w", Random({4, 6}, 1));
  b.Init("bias", Random({6}, 2));
  b.Op("MatMul", {"x", "w"}, {"m"});
  b.Op("Add", {"m", "bias"}, {"s"});
  b.Op("Gelu", {"s"}, {"y"}, {{"approximate", MakeStringAttr("tanh")}}, kBerthDomain);
  b.graph().opsets[kBerthDomain] = 1;
  Graph g = b.Copy();
  ASSERT_TRUE(FuseMatMul(g).ok());
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].FindAttribute("activation")->s, "GeluTanh");
  ExpectSameOutputs(b.graph(), g, {Random({3, 4}, 3)}, 0, 0);
}

TEST(MatMulFusionTest, LeavesNonBiasAddsAndPlainMatMulsAlone) {
  GraphBuilder b;
  b.Input("x", {3, 4}).Input("r", {3, 6}).Output("y").Output("y2");
  b.Init("w", Random({4, 6}, 1));
  b.Init("w2", Random({4, 6}, 2));
  b.Init("col", Random({3, 1}, 3));  // varies along M, not N
  b.Op("MatMul", {"x", "w"}, {"m"});
  b.Op("Add", {"m", "r"}, {"y"});  // not a constant bias
  b.Op("MatMul", {"x", "w2"}, {"m2"});
  b.Op("Add", {"m2", "col"}, {"y2"});
  Graph g = b.Copy();
  auto n = FuseMatMul(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
}

}  // namespace
}  // namespace berth::opt
