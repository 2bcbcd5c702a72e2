// GridSample, RoiAlign and Einsum.

#include <gtest/gtest.h>

#include "engine/testing/op_tester.h"

namespace berth::nn {
namespace {

using testing::ExpectTensorEq;
using testing::ExpectTensorNear;
using testing::IntAttr;
using testing::OpTest;
using testing::RunOp;
using testing::RunOpOutput;
using testing::StringAttr;

// An OpTest for `op_type` at the default opset (spelled out to keep -Wextra quiet).
OpTest Op(const char* op_type) {
  OpTest t;
  t.op_type = op_type;
  return t;
}

Tensor F(Shape s, std::vector<float> v) { return Tensor::FromVector<float>(std::move(s), v); }

TEST(GridSampleTest, BilinearWithAndWithoutAlignCorners) {
  OpTest t = Op("GridSample");
  t.opset = 16;
  t.attributes["align_corners"] = IntAttr(1);
  const Tensor x = F({1, 1, 2, 2}, {1, 2, 3, 4});
  t.inputs = {x, F({1, 1, 4, 2}, {-1, -1, 1, -1, 0, 0, 1, 1})};
  ExpectTensorNear(RunOpOutput(t), F({1, 1, 1, 4}, {1, 2, 2.5f, 4}));
  // Without align_corners, -1 is the outer edge of the corner pixel: half a pixel outside.
  t.attributes["align_corners"] = IntAttr(0);
  t.inputs = {x, F({1, 1, 1, 2}, {-1, -1})};
  ExpectTensorNear(RunOpOutput(t), F({1, 1, 1, 1}, {0.25f}));
  t.attributes["padding_mode"] = StringAttr("border");
  ExpectTensorNear(RunOpOutput(t), F({1, 1, 1, 1}, {1}));
  t.attributes["padding_mode"] = StringAttr("reflection");
  ExpectTensorNear(RunOpOutput(t), F({1, 1, 1, 1}, {1}));
  t.attributes["padding_mode"] = StringAttr("zeros");
  t.attributes["mode"] = StringAttr("nearest");
  ExpectTensorNear(RunOpOutput(t), F({1, 1, 1, 1}, {1}));
}

TEST(GridSampleTest, BicubicOnConstantAndErrors) {
  OpTest t = Op("GridSample");
  t.opset = 16;
  t.attributes["mode"] = StringAttr("bicubic");
  t.attributes["padding_mode"] = StringAttr("border");
  t.inputs = {F({1, 1, 3, 3}, std::vector<float>(9, 5.0f)),
              F({1, 1, 3, 2}, {-0.3f, 0.2f, 0.9f, -1, 0, 0})};
  ExpectTensorNear(RunOpOutput(t), F({1, 1, 1, 3}, {5, 5, 5}), 1e-5, 1e-5);
  t.inputs = {F({1, 1, 3, 3}, std::vector<float>(9, 5.0f)),
              F({1, 1, 3, 3}, std::vector<float>(9, 0.0f))};
  EXPECT_FALSE(RunOp(t).ok());
  t.attributes["mode"] = StringAttr("area");
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(RoiAlignTest, CoordinateModesOnARamp) {
  // Each pixel holds its column index, so an average equals the mean sampled x coordinate.
  std::vector<float> ramp;
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) ramp.push_back(static_cast<float>(c));
  OpTest t = Op("RoiAlign");
  t.opset = 16;
  t.attributes["sampling_ratio"] = IntAttr(1);
  t.attributes["coordinate_transformation_mode"] = StringAttr("output_half_pixel");
  t.inputs = {F({1, 1, 4, 4}, ramp), F({1, 4}, {0, 0, 3, 3}),
              Tensor::FromVector<int64_t>({1}, {0})};
  ExpectTensorNear(RunOpOutput(t), F({1, 1, 1, 1}, {1.5f}));
  t.attributes["coordinate_transformation_mode"] = StringAttr("half_pixel");
  ExpectTensorNear(RunOpOutput(t), F({1, 1, 1, 1}, {1.0f}));
  t.attributes["output_width"] = IntAttr(3);
  t.attributes.erase("sampling_ratio");  // adaptive: ceil(3 / 3) = 1 sample per bin
  ExpectTensorNear(RunOpOutput(t), F({1, 1, 1, 3}, {0.0f, 1.0f, 2.0f}));
  t.inputs = {F({1, 1, 4, 4}, ramp), F({1, 4}, {0, 0, 3, 3}),
              Tensor::FromVector<int64_t>({1}, {1})};
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(EinsumTest, ProductsTransposesAndDiagonals) {
  const Tensor a = F({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor b = F({3, 2}, {7, 8, 9, 10, 11, 12});
  OpTest t = Op("Einsum");
  t.opset = 12;
  t.attributes["equation"] = StringAttr("ij,jk->ik");
  t.inputs = {a, b};
  ExpectTensorNear(RunOpOutput(t), F({2, 2}, {58, 64, 139, 154}));
  t.attributes["equation"] = StringAttr("ij,jk");  // implicit output: ik
  ExpectTensorNear(RunOpOutput(t), F({2, 2}, {58, 64, 139, 154}));
  t.attributes["equation"] = StringAttr("ij -> ji");
  t.inputs = {a};
  ExpectTensorNear(RunOpOutput(t), F({3, 2}, {1, 4, 2, 5, 3, 6}));
  t.attributes["equation"] = StringAttr("ba");  // implicit output sorts labels: ab, a transpose
  ExpectTensorNear(RunOpOutput(t), F({3, 2}, {1, 4, 2, 5, 3, 6}));
  const Tensor sq = F({2, 2}, {1, 2, 3, 4});
  t.inputs = {sq};
  t.attributes["equation"] = StringAttr("ii->i");
  ExpectTensorNear(RunOpOutput(t), F({2}, {1, 4}));
  t.attributes["equation"] = StringAttr("ii");
  ExpectTensorNear(RunOpOutput(t), F({}, {5}));
  t.attributes["equation"] = StringAttr("ij,ij->");
  t.inputs = {sq, sq};
  ExpectTensorNear(RunOpOutput(t), F({}, {30}));
  t.attributes["equation"] = StringAttr("i,j->ij");
  t.inputs = {F({2}, {1, 2}), F({3}, {1, 10, 100})};
  ExpectTensorNear(RunOpOutput(t), F({2, 3}, {1, 10, 100, 2, 20, 200}));
}

TEST(EinsumTest, EllipsisBroadcastIntegersAndErrors) {
  OpTest t = Op("Einsum");
  t.opset = 12;
  t.attributes["equation"] = StringAttr("...ij,jk->...ik");
  t.inputs = {F({2, 2, 2}, {1, 0, 0, 1, 2, 0, 0, 2}), F({2, 2}, {1, 2, 3, 4})};
  ExpectTensorNear(RunOpOutput(t), F({2, 2, 2}, {1, 2, 3, 4, 2, 4, 6, 8}));
  t.attributes["equation"] = StringAttr("bij,bjk->bik");
  t.inputs = {Tensor::FromVector<int64_t>({1, 1, 2}, {2, 3}),
              Tensor::FromVector<int64_t>({1, 2, 1}, {4, 5})};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int64_t>({1, 1, 1}, {23}));
  // The batched-GEMM path with a broadcast batch label, and an output order that is not
  // [batch, M, N].
  t.attributes["equation"] = StringAttr("bij,bjk->kbi");
  t.inputs = {F({1, 1, 2}, {2, 3}), F({2, 2, 1}, {4, 5, 6, 7})};
  ExpectTensorNear(RunOpOutput(t), F({1, 2, 1}, {23, 33}));
  t.attributes["equation"] = StringAttr("ij,jk->ik");
  t.inputs = {F({2, 3}, {}), F({2, 2}, {})};
  EXPECT_FALSE(RunOp(t).ok());
  t.inputs = {F({2, 3}, {})};
  EXPECT_FALSE(RunOp(t).ok());
  t.attributes["equation"] = StringAttr("ij->iz");
  t.inputs = {F({2, 3}, {})};
  EXPECT_FALSE(RunOp(t).ok());
  t.attributes["equation"] = StringAttr("i1->i");
  EXPECT_FALSE(RunOp(t).ok());
}

}  // namespace
}  // namespace berth::nn
