#include "engine/optimizer/optimizer_test_util.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {
namespace {

using testing::CountOps;
using testing::ExpectSameOutputs;
using testing::GraphBuilder;
using testing::Random;

TEST(DeadNodeEliminationTest, RemovesUnreadNodesAndInitializers) {
  GraphBuilder b;
  b.Input("x", {2, 2}).Output("y");
  b.Init("w", Random({2, 2}, 1));
  b.Init("dead_w", Random({2, 2}, 2));
  b.Op("MatMul", {"x", "dead_w"}, {"d1"});
  b.Op("Relu", {"d1"}, {"d2"});  // chain of dead nodes
  b.Op("MatMul", {"x", "w"}, {"y"});
  Graph g = b.Copy();
  auto n = EliminateDeadNodes(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3);  // two nodes, one initializer
  EXPECT_EQ(g.nodes.size(), 1u);
  EXPECT_FALSE(g.initializers.count("dead_w"));
  EXPECT_TRUE(g.initializers.count("w"));
  ExpectSameOutputs(b.graph(), g, {Random({2, 2}, 3)});
}

TEST(DeadNodeEliminationTest, UnreadSecondaryOutputsBecomeOmitted) {
  GraphBuilder b;
  b.Input("x", {1, 1, 4, 4}).Output("y");
  b.Op("MaxPool", {"x"}, {"y", "indices"}, {{"kernel_shape", MakeIntsAttr({2, 2})}});
  Graph g = b.Copy();
  ASSERT_TRUE(EliminateDeadNodes(g).ok());
  ASSERT_EQ(g.nodes.size(), 1u);
  ASSERT_EQ(g.nodes[0].outputs.size(), 2u);
  EXPECT_EQ(g.nodes[0].outputs[1], "");
  ExpectSameOutputs(b.graph(), g, {Random({1, 1, 4, 4}, 4)});
}

TEST(DeadNodeEliminationTest, KeepsWhatSubgraphsAndOverridesRead) {
  auto body = std::make_shared<Graph>();
  body->name = "then";
  body->opsets[""] = 17;
  Node neg;
  neg.name = "inner";
  neg.op_type = "Neg";
  neg.inputs = {"outer"};
  neg.outputs = {"r"};
  body->nodes.push_back(neg);
  ValueInfo r;
  r.name = "r";
  body->outputs.push_back(r);
  Attribute branch;
  branch.type = Attribute::Type::kGraph;
  branch.g = body;

  GraphBuilder b;
  b.Input("x", {3}).Input("cond", {}, DataType::kBool).Output("y");
  b.Init("param", Random({3}, 5));
  b.graph().overridable_initializers["param"] = b.graph().initializers["param"];
  b.Op("Abs", {"x"}, {"outer"});  // only read inside the If's branches
  b.Op("If", {"cond"}, {"y"}, {{"then_branch", branch}, {"else_branch", branch}});
  Graph g = b.Copy();
  auto n = EliminateDeadNodes(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(CountOps(g, "Abs"), 1);
  EXPECT_TRUE(g.initializers.count("param"));
}

}  // namespace
}  // namespace berth::opt
