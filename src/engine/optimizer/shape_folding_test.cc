#include "engine/optimizer/optimizer_test_util.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {
namespace {

using testing::CountOps;
using testing::ExpectSameOutputs;
using testing::GraphBuilder;
using testing::Random;

TEST(ShapeFoldingTest, StaticShapeBecomesAConstantReshapeTarget) {
  GraphBuilder b;
  b.Input("x", {2, 3, 4}).Output("y");
  b.Init("idx", Tensor::FromVector<int64_t>({1}, {0}));
  b.Init("minus1", Tensor::FromVector<int64_t>({1}, {-1}));
  b.Op("Shape", {"x"}, {"s"});
  b.Op("Gather", {"s", "idx"}, {"n"}, {{"axis", MakeIntAttr(0)}});
  b.Op("Concat", {"n", "minus1"}, {"target"}, {{"axis", MakeIntAttr(0)}});
  b.Op("Reshape", {"x", "target"}, {"y"});
  b.Op("Size", {"x"}, {"unused_size"});
  Graph g = b.Copy();
  auto n = FoldShapes(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3);  // Shape, Gather and Size
  EXPECT_EQ(CountOps(g, "Shape"), 0);
  ASSERT_TRUE(g.initializers.count("s"));
  EXPECT_TRUE(g.initializers["s"].IdenticalTo(Tensor::FromVector<int64_t>({3}, {2, 3, 4})));
  EXPECT_TRUE(g.initializers["unused_size"].IdenticalTo(Tensor::Scalar<int64_t>(24)));
  ASSERT_TRUE(FoldConstants(g).ok());
  EXPECT_TRUE(g.initializers.count("target"));
  ExpectSameOutputs(b.graph(), g, {Random({2, 3, 4}, 1)});
}

TEST(ShapeFoldingTest, PartlyDynamicShapesFoldOnlyKnownDimensions) {
  GraphBuilder b;
  b.Input("x", {-1, 8, 4}).Output("y").Output("z").Output("w");
  b.Init("i1", Tensor::FromVector<int64_t>({1}, {1}));
  b.Init("i0", Tensor::FromVector<int64_t>({1}, {0}));
  b.Init("start", Tensor::FromVector<int64_t>({1}, {1}));
  b.Init("end", Tensor::FromVector<int64_t>({1}, {3}));
  b.Op("Shape", {"x"}, {"s"});
  b.Op("Gather", {"s", "i1"}, {"d1"});             // 8: folds
  b.Op("Gather", {"s", "i0"}, {"d0"});             // dynamic: stays
  b.Op("Slice", {"s", "start", "end"}, {"tail"});  // [8, 4]: folds
  b.Op("Identity", {"d1"}, {"y"});
  b.Op("Identity", {"d0"}, {"z"});
  b.Op("Identity", {"tail"}, {"w"});
  Graph g = b.Copy();
  auto n = FoldShapes(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(CountOps(g, "Shape"), 1);
  EXPECT_EQ(CountOps(g, "Gather"), 1);
  EXPECT_TRUE(g.initializers["tail"].IdenticalTo(Tensor::FromVector<int64_t>({2}, {8, 4})));
  ExpectSameOutputs(b.graph(), g, {Random({5, 8, 4}, 2)});
}

TEST(ShapeFoldingTest, ShapeStartAndEndAttributes) {
  GraphBuilder b(19);
  b.Input("x", {2, 3, 4, 5}).Output("y");
  b.Op("Shape", {"x"}, {"y0"}, {{"start", MakeIntAttr(1)}, {"end", MakeIntAttr(-1)}});
  b.Op("Identity", {"y0"}, {"y"});
  Graph g = b.Copy();
  ASSERT_TRUE(FoldShapes(g).ok());
  EXPECT_TRUE(g.initializers["y0"].IdenticalTo(Tensor::FromVector<int64_t>({2}, {3, 4})));
  ExpectSameOutputs(b.graph(), g, {Random({2, 3, 4, 5}, 3)});
}

}  // namespace
}  // namespace berth::opt
