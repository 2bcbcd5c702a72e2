// MatMul, Gemm and MatMulInteger.

#include <gtest/gtest.h>

#include "engine/testing/op_tester.h"

namespace berth::nn {
namespace {

using testing::ExpectTensorEq;
using testing::ExpectTensorNear;
using testing::FloatAttr;
using testing::IntAttr;
using testing::OpTest;
using testing::RunOp;
using testing::RunOpOutput;

// An OpTest for `op_type` at the default opset (spelled out to keep -Wextra quiet).
OpTest Op(const char* op_type) {
  OpTest t;
  t.op_type = op_type;
  return t;
}

const Tensor kA = Tensor::FromVector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
const Tensor kB = Tensor::FromVector<float>({3, 2}, {7, 8, 9, 10, 11, 12});

TEST(MatMulTest, MatrixAndVectorOperands) {
  OpTest t = Op("MatMul");
  t.inputs = {kA, kB};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2, 2}, {58, 64, 139, 154}));
  t.inputs = {Tensor::FromVector<float>({3}, {1, 2, 3}), kB};  // 1-D A: M dropped
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2}, {58, 64}));
  t.inputs = {kA, Tensor::FromVector<float>({3}, {1, 1, 1})};  // 1-D B: N dropped
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2}, {6, 15}));
  t.inputs = {Tensor::FromVector<float>({3}, {1, 2, 3}), Tensor::FromVector<float>({3}, {4, 5, 6})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({}, {32}));
}

TEST(MatMulTest, BroadcastsBatchDimensions) {
  OpTest t = Op("MatMul");
  // A [2,1,2,2]: I and 2I. B [3,2,2]. Out [2,3,2,2] = (a+1) * B[b].
  t.inputs = {Tensor::FromVector<float>({2, 1, 2, 2}, {1, 0, 0, 1, 2, 0, 0, 2}),
              Tensor::FromVector<float>({3, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 1, 0})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>(
                                       {2, 3, 2, 2}, {1, 2, 3, 4, 5,  6,  7,  8,  0, 1, 1, 0,
                                                      2, 4, 6, 8, 10, 12, 14, 16, 0, 2, 2, 0}));
  // Batched A with an unbatched B (folded into one GEMM).
  t.inputs = {Tensor::FromVector<float>({2, 2, 3}, {1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0}), kB};
  ExpectTensorNear(RunOpOutput(t),
                   Tensor::FromVector<float>({2, 2, 2}, {58, 64, 139, 154, 0, 0, 0, 0}));
  // Unbatched A with a batched B.
  t.inputs = {kA, Tensor::FromVector<float>({2, 3, 1}, {1, 1, 1, 0, 1, 0})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2, 2, 1}, {6, 15, 2, 5}));
}

TEST(MatMulTest, EmptyAndMismatchedShapes) {
  OpTest t = Op("MatMul");
  t.inputs = {Tensor(DataType::kFloat32, {2, 0}), Tensor(DataType::kFloat32, {0, 3})};
  ExpectTensorNear(RunOpOutput(t), Tensor(DataType::kFloat32, {2, 3}));
  t.inputs = {Tensor(DataType::kFloat32, {0, 4}), Tensor(DataType::kFloat32, {4, 3})};
  ExpectTensorNear(RunOpOutput(t), Tensor(DataType::kFloat32, {0, 3}));
  t.inputs = {kA, kA};
  auto bad = RunOp(t);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("inner dimensions"), std::string::npos)
      << bad.status().message();
  t.inputs = {Tensor::FromVector<float>({2, 2, 2}, {}), Tensor::FromVector<float>({3, 2, 2}, {})};
  EXPECT_FALSE(RunOp(t).ok());
  t.inputs = {Tensor::Scalar<float>(1), kB};
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(MatMulTest, IntegerAndHalfTypes) {
  OpTest t = Op("MatMul");
  t.inputs = {Tensor::FromVector<int32_t>({2, 3}, {1, 2, 3, 4, 5, 6}),
              Tensor::FromVector<int32_t>({3, 2}, {7, 8, 9, 10, 11, 12})};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int32_t>({2, 2}, {58, 64, 139, 154}));
  std::vector<Float16> a, b;
  for (float v : {1, 2, 3, 4, 5, 6}) a.push_back(Float16(v));
  for (float v : {7, 8, 9, 10, 11, 12}) b.push_back(Float16(v));
  t.inputs = {Tensor::FromVector<Float16>({2, 3}, a), Tensor::FromVector<Float16>({3, 2}, b)};
  std::vector<Float16> y;
  for (float v : {58, 64, 139, 154}) y.push_back(Float16(v));
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<Float16>({2, 2}, y));
  t.inputs = {kA, Tensor::FromVector<double>({3, 2}, {7, 8, 9, 10, 11, 12})};
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(GemmTest, TransposesAlphaBetaAndBroadcastBias) {
  OpTest t = Op("Gemm");
  t.attributes["transA"] = IntAttr(1);
  t.attributes["transB"] = IntAttr(1);
  t.attributes["alpha"] = FloatAttr(2);
  t.attributes["beta"] = FloatAttr(0.5f);
  t.inputs = {Tensor::FromVector<float>({3, 2}, {1, 4, 2, 5, 3, 6}),
              Tensor::FromVector<float>({2, 3}, {7, 9, 11, 8, 10, 12}),
              Tensor::FromVector<float>({2}, {10, 20})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2, 2}, {121, 138, 283, 318}));

  OpTest col = Op("Gemm");
  col.inputs = {kA, kB, Tensor::FromVector<float>({2, 1}, {1, 2})};
  ExpectTensorNear(RunOpOutput(col), Tensor::FromVector<float>({2, 2}, {59, 65, 141, 156}));
  col.inputs = {kA, kB, Tensor::Scalar<float>(1)};
  ExpectTensorNear(RunOpOutput(col), Tensor::FromVector<float>({2, 2}, {59, 65, 140, 155}));
}

TEST(GemmTest, OptionalBiasAndErrors) {
  OpTest t = Op("Gemm");
  t.opset = 11;
  t.inputs = {kA, kB};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2, 2}, {58, 64, 139, 154}));
  t.inputs = {kA, kB, Tensor::FromVector<float>({3}, {1, 2, 3})};
  EXPECT_FALSE(RunOp(t).ok());
  t.inputs = {kA, kA};
  EXPECT_FALSE(RunOp(t).ok());
  t.inputs = {Tensor::FromVector<float>({6}, {1, 2, 3, 4, 5, 6}), kB};
  EXPECT_FALSE(RunOp(t).ok());
  t.inputs = {Tensor::FromVector<double>({2, 3}, {1, 2, 3, 4, 5, 6}),
              Tensor::FromVector<double>({3, 2}, {7, 8, 9, 10, 11, 12})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<double>({2, 2}, {58, 64, 139, 154}));
}

TEST(MatMulIntegerTest, ZeroPointsPerTensorAndPerColumn) {
  const Tensor a = Tensor::FromVector<uint8_t>({4, 3}, {11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0});
  const Tensor b = Tensor::FromVector<uint8_t>({3, 2}, {1, 4, 2, 5, 3, 6});
  OpTest t = Op("MatMulInteger");
  t.opset = 10;
  t.inputs = {a, b, Tensor::Scalar<uint8_t>(12), Tensor::Scalar<uint8_t>(0)};
  ExpectTensorEq(RunOpOutput(t),
                 Tensor::FromVector<int32_t>({4, 2}, {-38, -83, -44, -98, -50, -113, -56, -128}));
  t.inputs = {a, b, Tensor::Scalar<uint8_t>(12), Tensor::FromVector<uint8_t>({2}, {1, 4})};
  ExpectTensorEq(RunOpOutput(t),
                 Tensor::FromVector<int32_t>({4, 2}, {-23, -23, -26, -26, -29, -29, -32, -32}));
  t.inputs = {Tensor::FromVector<int8_t>({1, 2}, {-1, 2}),
              Tensor::FromVector<int8_t>({2, 1}, {3, -4})};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int32_t>({1, 1}, {-11}));
  t.inputs = {a, b, Tensor::FromVector<uint8_t>({3}, {1, 2, 3})};  // neither scalar nor [M]
  EXPECT_FALSE(RunOp(t).ok());
  t.inputs = {Tensor::FromVector<float>({1, 1}, {1}), b};
  EXPECT_FALSE(RunOp(t).ok());
}

}  // namespace
}  // namespace berth::nn
