#include "engine/optimizer/optimizer_test_util.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {
namespace {

using testing::CountOps;
using testing::ExpectSameOutputs;
using testing::GraphBuilder;
using testing::Random;

TEST(IdentityEliminationTest, RemovesNoOpNodes) {
  GraphBuilder b;
  b.Input("x", {2, 3}).Output("y");
  b.Init("same_shape", Tensor::FromVector<int64_t>({2}, {2, 3}));
  b.Init("other_shape", Tensor::FromVector<int64_t>({2}, {3, 2}));
  b.Init("no", Tensor::Scalar<bool>(false));
  b.Op("Identity", {"x"}, {"a"});
  b.Op("Dropout", {"a", "", "no"}, {"b"});
  b.Op("Cast", {"b"}, {"c"}, {{"to", MakeIntAttr(1)}});  // float -> float
  b.Op("Reshape", {"c", "same_shape"}, {"d"});
  b.Op("Reshape", {"d", "other_shape"}, {"e"});  // a real reshape: stays
  b.Op("Relu", {"e"}, {"y"});
  for (const char* v : {"a", "b", "c", "d"}) b.Info(v, {2, 3});
  b.Info("e", {3, 2});
  Graph g = b.Copy();
  auto n = EliminateIdentities(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 4);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].op_type, "Reshape");
  EXPECT_EQ(g.nodes[0].inputs[0], "x");
  ExpectSameOutputs(b.graph(), g, {Random({2, 3}, 1)});
}

TEST(IdentityEliminationTest, KeepsCastsThatConvertAndDropoutsInTraining) {
  GraphBuilder b;
  b.Input("x", {4}).Output("y").Output("mask");
  b.Op("Cast", {"x"}, {"h"}, {{"to", MakeIntAttr(static_cast<int64_t>(DataType::kFloat64))}});
  b.Op("Dropout", {"h"}, {"y", "mask"});  // the mask is a graph output: keep the node
  Graph g = b.Copy();
  auto n = EliminateIdentities(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
}

TEST(IdentityEliminationTest, IdentityToAGraphOutputRenamesTheProducer) {
  GraphBuilder b;
  b.Input("x", {3}).Output("y").Output("z");
  b.Op("Neg", {"x"}, {"t"});
  b.Op("Identity", {"t"}, {"y"});
  b.Op("Abs", {"t"}, {"z"});
  b.Op("Identity", {"x"}, {"unused"});
  Graph g = b.Copy();
  auto n = EliminateIdentities(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(CountOps(g, "Identity"), 0);
  EXPECT_EQ(g.nodes[0].outputs[0], "y");
  EXPECT_EQ(g.nodes[1].inputs[0], "y");
  ExpectSameOutputs(b.graph(), g, {Random({3}, 2)});
}

TEST(IdentityEliminationTest, GraphInputToGraphOutputStays) {
  GraphBuilder b;
  b.Input("x", {3}).Output("y");
  b.Op("Identity", {"x"}, {"y"});
  Graph g = b.Copy();
  auto n = EliminateIdentities(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
}

TEST(IdentityEliminationTest, ValuesReadBySubgraphsAreNotRenamed) {
  auto body = std::make_shared<Graph>();
  body->name = "then";
  Node neg;
  neg.name = "inner";
  neg.op_type = "Neg";
  neg.inputs = {"t"};  // outer-scope reference to the Identity's output
  neg.outputs = {"r"};
  body->nodes.push_back(neg);
  ValueInfo r;
  r.name = "r";
  body->outputs.push_back(r);
  body->opsets[""] = 17;

  GraphBuilder b;
  b.Input("x", {3}).Input("cond", {}, DataType::kBool).Output("y");
  b.Op("Identity", {"x"}, {"t"});
  Attribute branch;
  branch.type = Attribute::Type::kGraph;
  branch.g = body;
  b.Op("If", {"cond"}, {"y"}, {{"then_branch", branch}, {"else_branch", branch}});
  Graph g = b.Copy();
  auto n = EliminateIdentities(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  ExpectSameOutputs(b.graph(), g, {Random({3}, 3), Tensor::Scalar<bool>(true)});
}

}  // namespace
}  // namespace berth::opt
