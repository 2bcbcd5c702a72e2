#include "engine/optimizer/optimizer_test_util.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {
namespace {

using testing::CountOps;
using testing::ExpectSameOutputs;
using testing::FindOp;
using testing::GraphBuilder;
using testing::Random;

TEST(GemmFusionTest, GemmActivationBecomesFusedGemm) {
  GraphBuilder b;
  b.Input("x", {3, 4}).Output("y");
  b.Init("w", Random({5, 4}, 1));
  b.Init("c", Random({5}, 2));
  b.Op("Gemm", {"x", "w", "c"}, {"g"},
       {{"transB", MakeIntAttr(1)}, {"alpha", MakeFloatAttr(0.5f)}});
  b.Op("LeakyRelu", {"g"}, {"y"}, {{"alpha", MakeFloatAttr(0.1f)}});
  b.Info("g", {3, 5}).Info("y", {3, 5});
  Graph g = b.Copy();
  auto n = FuseGemm(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  const Node* f = FindOp(g, "FusedGemm", kBerthDomain);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->FindAttribute("transB")->i, 1);
  EXPECT_EQ(f->FindAttribute("activation_params")->floats, (std::vector<float>{0.1f}));
  EXPECT_EQ(CountOps(g, "LeakyRelu"), 0);
  ExpectSameOutputs(b.graph(), g, {Random({3, 4}, 3)}, 0, 0);
}

TEST(GemmFusionTest, GemmWhoseOutputIsAlsoReadElsewhereStays) {
  GraphBuilder b;
  b.Input("x", {3, 4}).Output("y").Output("g");
  b.Init("w", Random({4, 5}, 1));
  b.Op("Gemm", {"x", "w"}, {"g"});
  b.Op("Relu", {"g"}, {"y"});
  Graph g = b.Copy();
  auto n = FuseGemm(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(CountOps(g, "Gemm"), 1);
}

}  // namespace
}  // namespace berth::opt
