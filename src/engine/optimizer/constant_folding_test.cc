#include "engine/optimizer/optimizer_test_util.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {
namespace {

using testing::CountOps;
using testing::ExpectSameOutputs;
using testing::GraphBuilder;
using testing::Random;

Attribute TensorAttribute(Tensor t) {
  Attribute a;
  a.type = Attribute::Type::kTensor;
  a.t = std::move(t);
  return a;
}

TEST(ConstantFoldingTest, FoldsConstantChainsIntoInitializers) {
  GraphBuilder b;
  b.Input("x", {2, 3}).Output("y");
  b.Init("w", Random({3, 2}, 1));
  b.Op("Constant", {}, {"c"}, {{"value", TensorAttribute(Random({2, 3}, 2))}});
  b.Op("Transpose", {"w"}, {"wt"});      // [2, 3], constant
  b.Op("Mul", {"wt", "c"}, {"scaled"});  // constant
  b.Op("Add", {"x", "scaled"}, {"y"});   // reads the graph input: stays
  Graph g = b.Copy();
  auto n = FoldConstants(g);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 3);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op_type, "Add");
  ASSERT_TRUE(g.initializers.count("scaled"));
  EXPECT_EQ(g.initializers["scaled"].shape(), (Shape{2, 3}));
  ExpectSameOutputs(b.graph(), g, {Random({2, 3}, 3)});
}

TEST(ConstantFoldingTest, LeavesRandomGraphOutputsAndOverridableInitializersAlone) {
  GraphBuilder b;
  b.Input("x", {2}).Output("y").Output("k");
  b.Init("shape", Tensor::FromVector<int64_t>({1}, {2}));
  b.Init("bias", Random({2}, 4));
  b.graph().overridable_initializers["bias"] = b.graph().initializers["bias"];
  b.Op("RandomNormalLike", {"x"}, {"r"});
  b.Op("Mul", {"r", "x"}, {"unused"});
  b.Op("Neg", {"bias"}, {"nb"});  // overridable: may change per run
  b.Op("Add", {"x", "nb"}, {"y"});
  b.Op("ConstantOfShape", {"shape"}, {"k"});  // constant, but a graph output
  Graph g = b.Copy();
  auto n = FoldConstants(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(g.nodes.size(), b.graph().nodes.size());
}

TEST(ConstantFoldingTest, SkipsOutputsThatWouldBloatTheModel) {
  GraphBuilder b;
  b.Input("x", {1}).Output("y");
  b.Init("shape", Tensor::FromVector<int64_t>({2}, {1024, 1024}));
  b.Op("ConstantOfShape", {"shape"}, {"big"});  // 4 MiB from 16 bytes
  b.Op("ReduceSum", {"big"}, {"s"}, {{"keepdims", MakeIntAttr(0)}});
  b.Op("Add", {"x", "s"}, {"y"});
  Graph g = b.Copy();
  auto n = FoldConstants(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(CountOps(g, "ConstantOfShape"), 1);
  ConstantFoldingOptions generous;
  generous.small_bytes = size_t{8} << 20;
  n = FoldConstants(g, generous);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  ExpectSameOutputs(b.graph(), g, {Random({1}, 5)});
}

TEST(ConstantFoldingTest, KernelErrorsAreLeftForTheSession) {
  GraphBuilder b;
  b.Input("x", {2}).Output("y");
  b.Init("a", Random({2}, 6));
  b.Init("bad", Random({3}, 7));
  b.Op("Add", {"a", "bad"}, {"s"});  // shapes do not broadcast
  b.Op("Add", {"x", "s"}, {"y"});
  Graph g = b.Copy();
  auto n = FoldConstants(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_FALSE(testing::RunGraph(g, {Random({2}, 8)}).ok());
}

}  // namespace
}  // namespace berth::opt

namespace berth::opt {
namespace {

TEST(ConstantFoldingTest, LargeConstantNodesAlwaysBecomeInitializers) {
  testing::GraphBuilder b;
  b.Input("x", {512, 1024}).Output("y");
  Attribute value;
  value.type = Attribute::Type::kTensor;
  value.t = testing::Random({512, 1024}, 9);  // 2 MiB, more than small_bytes
  b.Op("Constant", {}, {"w"}, {{"value", value}});
  b.Op("Add", {"x", "w"}, {"y"});
  Graph g = b.Copy();
  auto n = FoldConstants(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_TRUE(g.initializers.at("w").IdenticalTo(value.t));
}

}  // namespace
}  // namespace berth::opt
