#include "engine/optimizer/shape_derivation.h"

#include "engine/optimizer/optimizer_test_util.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {
namespace {

using testing::CountOps;
using testing::ExpectSameOutputs;
using testing::GraphBuilder;
using testing::Random;

using DimList = std::vector<int64_t>;

// x [B, 6, 8] with B dynamic; no value_info for intermediates (as after folding).
GraphBuilder Chain() {
  GraphBuilder b;
  b.Input("x", {-1, 6, 8}).Output("y");
  b.Init("w", Random({8, 12}, 1));
  b.Init("gw", Random({5, 8}, 2));
  b.Init("s0", Tensor::FromVector<int64_t>({1}, {4}));
  b.Init("s1", Tensor::FromVector<int64_t>({1}, {12}));
  b.Init("ax", Tensor::FromVector<int64_t>({1}, {-1}));
  b.Init("target", Tensor::FromVector<int64_t>({2}, {-1, 8}));
  b.Init("target0", Tensor::FromVector<int64_t>({3}, {0, 0, -1}));
  b.Init("fb", Random({1}, 3));
  b.Init("uaxes", Tensor::FromVector<int64_t>({1}, {1}));
  b.Op("MatMul", {"x", "w"}, {"m"});                                      // [B, 6, 12]
  b.Op("Slice", {"m", "s0", "s1", "ax"}, {"sl"});                         // [B, 6, 8]
  b.Op("Transpose", {"sl"}, {"t"}, {{"perm", MakeIntsAttr({1, 0, 2})}});  // [6, B, 8]
  b.Op("Relu", {"t"}, {"r"});                                             // [6, B, 8]
  b.Op("Reshape", {"r", "target"}, {"rs"});                               // [-1, 8]: unknown rows
  b.Op("Reshape", {"sl", "target0"}, {"rs0"});                            // [B, 6, 8]
  b.Op("Gemm", {"rs", "gw"}, {"g"}, {{"transB", MakeIntAttr(1)}});        // [?, 5]
  b.Op("Unsqueeze", {"sl", "uaxes"}, {"u"});                              // [B, 1, 6, 8]
  b.Op("Concat", {"sl", "rs0"}, {"c"}, {{"axis", MakeIntAttr(1)}});       // [B, 12, 8]
  b.Op("Add", {"c", "fb"}, {"y"});                                        // broadcast: [B, 12, 8]
  return b;
}

TEST(ShapeDerivationTest, DerivesDimsThroughCommonOperators) {
  GraphBuilder b = Chain();
  GraphView view(b.graph());
  ShapeDeriver shapes(view);
  EXPECT_EQ(shapes.Dims("m"), (DimList{-1, 6, 12}));
  EXPECT_EQ(shapes.Dims("sl"), (DimList{-1, 6, 8}));
  EXPECT_EQ(shapes.Dims("t"), (DimList{6, -1, 8}));
  EXPECT_EQ(shapes.Dims("r"), (DimList{6, -1, 8}));
  EXPECT_EQ(shapes.Dims("rs"), (DimList{-1, 8}));
  EXPECT_EQ(shapes.Dims("rs0"), (DimList{-1, 6, 8}));
  EXPECT_EQ(shapes.Dims("g"), (DimList{-1, 5}));
  EXPECT_EQ(shapes.Dims("u"), (DimList{-1, 1, 6, 8}));
  EXPECT_EQ(shapes.Dims("c"), (DimList{-1, 12, 8}));
  EXPECT_EQ(shapes.Dims("y"), (DimList{-1, 12, 8}));
  EXPECT_EQ(shapes.Dims("unknown_name"), std::nullopt);
}

TEST(ShapeDerivationTest, ShapeFoldingUsesDerivedDims) {
  GraphBuilder b = Chain();
  b.Output("d").Output("n");
  b.Init("i1", Tensor::FromVector<int64_t>({1}, {1}));
  b.Init("i0", Tensor::FromVector<int64_t>({1}, {0}));
  b.Op("Shape", {"t"}, {"ts"});
  b.Op("Gather", {"ts", "i0"}, {"d0"});  // 6: folds
  b.Op("Gather", {"ts", "i1"}, {"d1"});  // the dynamic batch: stays
  b.Op("Add", {"d0", "d1"}, {"d"});
  b.Op("Shape", {"g"}, {"gs"});
  b.Op("Gather", {"gs", "i1"}, {"n0"});  // 5: folds
  b.Op("Identity", {"n0"}, {"n"});
  Graph g = b.Copy();
  auto n = FoldShapes(g);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  EXPECT_TRUE(g.initializers.at("d0").IdenticalTo(Tensor::FromVector<int64_t>({1}, {6})));
  EXPECT_EQ(CountOps(g, "Gather"), 1);
  ExpectSameOutputs(b.graph(), g, {Random({3, 6, 8}, 3)});
}

TEST(ShapeDerivationTest, SliceClampingAndNegativeSteps) {
  GraphBuilder b;
  b.Input("x", {10, 4}).Output("a").Output("r");
  b.Init("big", Tensor::FromVector<int64_t>({1}, {100}));
  b.Init("two", Tensor::FromVector<int64_t>({1}, {2}));
  b.Init("m1", Tensor::FromVector<int64_t>({1}, {-1}));
  b.Init("mbig", Tensor::FromVector<int64_t>({1}, {-100}));
  b.Init("ax0", Tensor::FromVector<int64_t>({1}, {0}));
  b.Init("step3", Tensor::FromVector<int64_t>({1}, {3}));
  b.Init("stepm2", Tensor::FromVector<int64_t>({1}, {-2}));
  b.Op("Slice", {"x", "two", "big", "ax0", "step3"}, {"a"});   // rows 2,5,8 -> 3
  b.Op("Slice", {"x", "m1", "mbig", "ax0", "stepm2"}, {"r"});  // rows 9,7,5,3,1 -> 5
  GraphView view(b.graph());
  ShapeDeriver shapes(view);
  EXPECT_EQ(shapes.Dims("a"), (DimList{3, 4}));
  EXPECT_EQ(shapes.Dims("r"), (DimList{5, 4}));
  auto out = testing::RunGraph(b.graph(), {Random({10, 4}, 1)});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].tensor().shape(), (Shape{3, 4}));
  EXPECT_EQ((*out)[1].tensor().shape(), (Shape{5, 4}));
}

}  // namespace
}  // namespace berth::opt
