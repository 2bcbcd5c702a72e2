#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "engine/testing/op_tester.h"

namespace berth {
namespace {

using testing::ExpectTensorEq;
using testing::ExpectTensorNear;
using testing::IntAttr;
using testing::IntsAttr;
using testing::OpTest;
using testing::RunOp;
using testing::RunOpOutput;

constexpr float kInf = std::numeric_limits<float>::infinity();

// [2, 3]: 1 2 3 / 4 5 6
Tensor Matrix() { return Tensor::FromVector<float>({2, 3}, {1, 2, 3, 4, 5, 6}); }

TEST(ReduceSumTest, AxesInputKeepDims) {
  OpTest t;
  t.op_type = "ReduceSum";
  t.opset = 13;
  t.inputs = {Matrix(), Tensor::FromVector<int64_t>({1}, {1})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2, 1}, {6, 15}));
}

TEST(ReduceSumTest, AxesAttributeBeforeOpset13NoKeepDims) {
  OpTest t;
  t.op_type = "ReduceSum";
  t.opset = 11;
  t.attributes["axes"] = IntsAttr({0});
  t.attributes["keepdims"] = IntAttr(0);
  t.inputs = {Matrix()};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({3}, {5, 7, 9}));
}

TEST(ReduceSumTest, NegativeAxis) {
  OpTest t;
  t.op_type = "ReduceSum";
  t.inputs = {Matrix(), Tensor::FromVector<int64_t>({1}, {-1})};
  t.attributes["keepdims"] = IntAttr(0);
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2}, {6, 15}));
}

TEST(ReduceSumTest, NoAxesReducesEverything) {
  OpTest t;
  t.op_type = "ReduceSum";
  t.inputs = {Matrix()};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({1, 1}, {21}));
  t.inputs = {Matrix(), Tensor::FromVector<int64_t>({0}, {})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({1, 1}, {21}));
}

TEST(ReduceSumTest, NoopWithEmptyAxes) {
  OpTest t;
  t.op_type = "ReduceSum";
  t.attributes["noop_with_empty_axes"] = IntAttr(1);
  t.inputs = {Matrix(), Tensor::FromVector<int64_t>({0}, {})};
  ExpectTensorNear(RunOpOutput(t), Matrix());
}

TEST(ReduceSumTest, MiddleAxisOfRank3Int32) {
  OpTest t;
  t.op_type = "ReduceSum";
  t.attributes["keepdims"] = IntAttr(0);
  std::vector<int32_t> v(24);
  for (int i = 0; i < 24; ++i) v[i] = i;
  t.inputs = {Tensor::FromVector<int32_t>({2, 3, 4}, v), Tensor::FromVector<int64_t>({1}, {1})};
  // out[a][c] = sum_b (12a + 4b + c) = 36a + 12 + 3c
  ExpectTensorEq(RunOpOutput(t),
                 Tensor::FromVector<int32_t>({2, 4}, {12, 15, 18, 21, 48, 51, 54, 57}));
}

TEST(ReduceSumTest, OuterAndInnerAxes) {
  OpTest t;
  t.op_type = "ReduceSum";
  t.attributes["keepdims"] = IntAttr(0);
  std::vector<double> v(24);
  for (int i = 0; i < 24; ++i) v[i] = i;
  t.inputs = {Tensor::FromVector<double>({2, 3, 4}, v), Tensor::FromVector<int64_t>({2}, {0, 2})};
  // out[b] = sum_a sum_c (12a + 4b + c) = 4*12 + 32b + 2*6 = 60 + 32b
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<double>({3}, {60, 92, 124}));
}

TEST(ReduceSumTest, EmptyReductionGivesZero) {
  OpTest t;
  t.op_type = "ReduceSum";
  t.inputs = {Tensor(DataType::kFloat32, {2, 0}), Tensor::FromVector<int64_t>({1}, {1})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2, 1}, {0, 0}));
}

TEST(ReduceSumTest, EmptyOutput) {
  OpTest t;
  t.op_type = "ReduceSum";
  t.inputs = {Tensor(DataType::kFloat32, {0, 3}), Tensor::FromVector<int64_t>({1}, {1})};
  t.attributes["keepdims"] = IntAttr(0);
  ExpectTensorNear(RunOpOutput(t), Tensor(DataType::kFloat32, {0}));
}

TEST(ReduceSumTest, Scalar) {
  OpTest t;
  t.op_type = "ReduceSumSquare";
  t.inputs = {Tensor::Scalar<float>(3)};
  ExpectTensorNear(RunOpOutput(t), Tensor::Scalar<float>(9));
}

TEST(ReduceSumTest, BadAxes) {
  OpTest t;
  t.op_type = "ReduceSum";
  t.inputs = {Matrix(), Tensor::FromVector<int64_t>({1}, {2})};
  EXPECT_FALSE(RunOp(t).ok());
  t.inputs = {Matrix(), Tensor::FromVector<int64_t>({2}, {1, -1})};
  EXPECT_FALSE(RunOp(t).ok());
  t.inputs = {Matrix(), Tensor::FromVector<float>({1}, {1})};
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(ReduceMaxMinTest, Values) {
  OpTest t;
  t.op_type = "ReduceMax";
  t.opset = 13;
  t.attributes["axes"] = IntsAttr({1});
  t.inputs = {Tensor::FromVector<float>({2, 3}, {1, 7, 3, -4, -5, -6})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2, 1}, {7, -4}));
  t.op_type = "ReduceMin";
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2, 1}, {1, -6}));
}

TEST(ReduceMaxMinTest, NaNPropagates) {
  OpTest t;
  t.op_type = "ReduceMax";
  const float nan = std::numeric_limits<float>::quiet_NaN();
  t.inputs = {Tensor::FromVector<float>({3}, {1, nan, 3})};
  t.attributes["keepdims"] = IntAttr(0);
  EXPECT_TRUE(std::isnan(RunOpOutput(t).data<float>()[0]));
}

TEST(ReduceMaxMinTest, EmptyGivesIdentity) {
  OpTest t;
  t.op_type = "ReduceMax";
  t.opset = 18;
  t.inputs = {Tensor(DataType::kFloat32, {2, 0}), Tensor::FromVector<int64_t>({1}, {1})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2, 1}, {-kInf, -kInf}));
  t.op_type = "ReduceMin";
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2, 1}, {kInf, kInf}));
  t.inputs = {Tensor(DataType::kInt32, {0}), Tensor::FromVector<int64_t>({1}, {0})};
  ExpectTensorEq(RunOpOutput(t),
                 Tensor::FromVector<int32_t>({1}, {std::numeric_limits<int32_t>::max()}));
  t.op_type = "ReduceMax";
  t.inputs = {Tensor(DataType::kUint8, {0})};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<uint8_t>({1}, {0}));
}

TEST(ReduceOtherTest, MeanProdL1L2SumSquare) {
  OpTest t;
  t.op_type = "ReduceMean";
  t.opset = 13;
  t.attributes["axes"] = IntsAttr({1});
  t.attributes["keepdims"] = IntAttr(0);
  t.inputs = {Tensor::FromVector<float>({2, 2}, {1, -2, 3, 4})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2}, {-0.5f, 3.5f}));
  t.op_type = "ReduceProd";
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2}, {-2, 12}));
  t.op_type = "ReduceL1";
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2}, {3, 7}));
  t.op_type = "ReduceL2";
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2}, {std::sqrt(5.f), 5}));
  t.op_type = "ReduceSumSquare";
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2}, {5, 25}));
}

TEST(ReduceOtherTest, IntegerMeanTruncates) {
  OpTest t;
  t.op_type = "ReduceMean";
  t.inputs = {Tensor::FromVector<int64_t>({3}, {1, 2, -7})};
  t.attributes["keepdims"] = IntAttr(0);
  ExpectTensorEq(RunOpOutput(t), Tensor::Scalar<int64_t>(-1));  // -4/3
}

TEST(ReduceOtherTest, LogSumAndLogSumExp) {
  OpTest t;
  t.op_type = "ReduceLogSum";
  t.attributes["keepdims"] = IntAttr(0);
  t.inputs = {Tensor::FromVector<float>({2}, {1, 2})};
  ExpectTensorNear(RunOpOutput(t), Tensor::Scalar<float>(std::log(3.f)));
  t.op_type = "ReduceLogSumExp";
  ExpectTensorNear(RunOpOutput(t), Tensor::Scalar<float>(std::log(std::exp(1.f) + std::exp(2.f))));
  // Stable for large inputs where exp() overflows float.
  t.inputs = {Tensor::FromVector<float>({2}, {1000, 1000})};
  ExpectTensorNear(RunOpOutput(t), Tensor::Scalar<float>(1000 + std::log(2.f)));
  t.inputs = {Tensor(DataType::kFloat32, {0})};
  ExpectTensorNear(RunOpOutput(t), Tensor::Scalar<float>(-kInf));
}

TEST(ReduceOtherTest, NoopAppliesElementwisePart) {
  OpTest t;
  t.op_type = "ReduceSumSquare";
  t.opset = 18;
  t.attributes["noop_with_empty_axes"] = IntAttr(1);
  t.inputs = {Tensor::FromVector<float>({2}, {-2, 3})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2}, {4, 9}));
  t.op_type = "ReduceL1";
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2}, {2, 3}));
}

TEST(ReduceOtherTest, Float16) {
  OpTest t;
  t.op_type = "ReduceSum";
  t.inputs = {Tensor::FromVector<Float16>({3}, {Float16(1.5f), Float16(2.f), Float16(-0.5f)})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<Float16>({1}, {Float16(3.f)}));
}

}  // namespace
}  // namespace berth
