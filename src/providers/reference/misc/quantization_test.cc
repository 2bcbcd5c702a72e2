// Unit tests of the quantization kernels: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear,
// QLinearMatMul, QLinearConv. Expected values are worked out by hand in the comments.

#include <gtest/gtest.h>

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

TEST(QuantizeLinearTest, PerTensorRoundsHalfToEvenAndSaturates) {
  OpTest t = OpTest("QuantizeLinear");
  t.inputs = {Tensor::FromVector<float>({8}, {0, 2, 3, 1000, -254, -1000, 1.5f, 2.5f}),
              Tensor::Scalar<float>(2), Tensor::Scalar<uint8_t>(128)};
  // x/2 = 0, 1, 1.5, 500, -127, -500, 0.75, 1.25 -> rint 0, 1, 2, 500, -127, -500, 1, 1; + 128,
  // clamp.
  ExpectTensorEq(RunOpOutput(t),
                 Tensor::FromVector<uint8_t>({8}, {128, 129, 130, 255, 1, 0, 129, 129}));
}

TEST(QuantizeLinearTest, Int8ZeroPoint) {
  OpTest t = OpTest("QuantizeLinear");
  t.inputs = {Tensor::FromVector<float>({5}, {-300, 1, 3, 5, 300}), Tensor::Scalar<float>(2),
              Tensor::Scalar<int8_t>(-1)};
  // x/2 = -150, 0.5, 1.5, 2.5, 150 -> -150, 0, 2, 2, 150; - 1 -> clamp to [-128, 127].
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int8_t>({5}, {-128, -1, 1, 1, 127}));
}

TEST(QuantizeLinearTest, NoZeroPointGivesUint8) {
  OpTest t = OpTest("QuantizeLinear");
  t.opset = 10;
  t.inputs = {Tensor::FromVector<float>({3}, {-1, 1, 7}), Tensor::Scalar<float>(1)};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<uint8_t>({3}, {0, 1, 7}));
}

TEST(QuantizeLinearTest, Int32Input) {
  OpTest t = OpTest("QuantizeLinear");
  t.inputs = {Tensor::FromVector<int32_t>({3}, {5, -5, 7}), Tensor::Scalar<float>(2),
              Tensor::Scalar<int8_t>(0)};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int8_t>({3}, {2, -2, 4}));
}

TEST(QuantizeLinearTest, PerAxisNegativeAxis) {
  OpTest t = OpTest("QuantizeLinear");
  t.attributes["axis"] = IntAttr(-1);
  t.inputs = {Tensor::FromVector<float>({2, 3}, {1, 2, 3, 4, 5, 6}),
              Tensor::FromVector<float>({3}, {1, 2, 4}),
              Tensor::FromVector<uint8_t>({3}, {0, 10, 20})};
  // x/s = [[1, 1, 0.75], [4, 2.5, 1.5]] -> [[1, 1, 1], [4, 2, 2]] + zp.
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<uint8_t>({2, 3}, {1, 11, 21, 4, 12, 22}));
}

TEST(QuantizeLinearTest, PerAxisDefaultAxisOne) {
  OpTest t = OpTest("QuantizeLinear");
  t.inputs = {Tensor::FromVector<float>({1, 2, 2}, {2, 2, 2, 2}),
              Tensor::FromVector<float>({2}, {1, 2}), Tensor::FromVector<uint8_t>({2}, {1, 3})};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<uint8_t>({1, 2, 2}, {3, 3, 4, 4}));
}

TEST(QuantizeLinearTest, EmptyInput) {
  OpTest t = OpTest("QuantizeLinear");
  t.inputs = {Tensor(DataType::kFloat32, {0, 3}), Tensor::Scalar<float>(1),
              Tensor::Scalar<uint8_t>(0)};
  Tensor y = RunOpOutput(t);
  EXPECT_EQ(y.shape(), (Shape{0, 3}));
  EXPECT_EQ(y.dtype(), DataType::kUint8);
}

TEST(QuantizeLinearTest, BadPerAxisScaleIsAnError) {
  OpTest t = OpTest("QuantizeLinear");
  t.inputs = {Tensor::FromVector<float>({2, 3}, {1, 2, 3, 4, 5, 6}),
              Tensor::FromVector<float>({2}, {1, 2}), Tensor::FromVector<uint8_t>({2}, {0, 0})};
  auto out = RunOp(t);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("QuantizeLinear"), std::string::npos)
      << out.status().message();
}

TEST(DequantizeLinearTest, PerTensor) {
  OpTest t = OpTest("DequantizeLinear");
  t.inputs = {Tensor::FromVector<uint8_t>({4}, {0, 3, 128, 255}), Tensor::Scalar<float>(2),
              Tensor::Scalar<uint8_t>(128)};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<float>({4}, {-256, -250, 0, 254}));
}

TEST(DequantizeLinearTest, PerAxisAxisZero) {
  OpTest t = OpTest("DequantizeLinear");
  t.attributes["axis"] = IntAttr(0);
  t.inputs = {Tensor::FromVector<int8_t>({2, 2}, {1, 2, 3, 4}),
              Tensor::FromVector<float>({2}, {1, 0.5f}), Tensor::FromVector<int8_t>({2}, {1, 2})};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<float>({2, 2}, {0, 1, 0.5f, 1}));
}

TEST(DequantizeLinearTest, Int32WithoutZeroPoint) {
  OpTest t = OpTest("DequantizeLinear");
  t.inputs = {Tensor::FromVector<int32_t>({2}, {-3, 7}), Tensor::Scalar<float>(0.5f)};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<float>({2}, {-1.5f, 3.5f}));
}

TEST(DequantizeLinearTest, ZeroPointTypeMismatchIsAnError) {
  OpTest t = OpTest("DequantizeLinear");
  t.inputs = {Tensor::FromVector<uint8_t>({2}, {1, 2}), Tensor::Scalar<float>(1),
              Tensor::Scalar<int8_t>(0)};
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(DynamicQuantizeLinearTest, OnnxExample) {
  OpTest t = OpTest("DynamicQuantizeLinear");
  t.num_outputs = 3;
  t.inputs = {Tensor::FromVector<float>({6}, {0, 2, -3, -2.5f, 1.34f, 0.5f})};
  auto out = RunOp(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  // range [-3, 2] -> scale 5/255, zero point round(3 / scale) = 153.
  ExpectTensorEq((*out)[0].tensor(), Tensor::FromVector<uint8_t>({6}, {153, 255, 0, 26, 221, 179}));
  ExpectTensorNear((*out)[1].tensor(), Tensor::Scalar<float>(5.0f / 255.0f));
  ExpectTensorEq((*out)[2].tensor(), Tensor::Scalar<uint8_t>(153));
}

TEST(DynamicQuantizeLinearTest, AllZerosAndEmpty) {
  for (Shape shape : {Shape{3}, Shape{0}}) {
    OpTest t = OpTest("DynamicQuantizeLinear");
    t.num_outputs = 3;
    t.inputs = {Tensor(DataType::kFloat32, shape)};
    auto out = RunOp(t);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ExpectTensorEq((*out)[0].tensor(), Tensor(DataType::kUint8, shape));
    ExpectTensorEq((*out)[1].tensor(), Tensor::Scalar<float>(1));
    ExpectTensorEq((*out)[2].tensor(), Tensor::Scalar<uint8_t>(0));
  }
}

OpTest QLinearMatMulTest(Tensor a, Tensor b, Tensor b_scale) {
  OpTest t = OpTest("QLinearMatMul");
  t.inputs = {a,
              Tensor::Scalar<float>(1),
              Tensor::Scalar<uint8_t>(1),
              b,
              b_scale,
              Tensor::Scalar<uint8_t>(0),
              Tensor::Scalar<float>(0.5f),
              Tensor::Scalar<uint8_t>(10)};
  return t;
}

TEST(QLinearMatMulTest, TwoD) {
  // (a - 1) = [[0, 1], [2, 3]] times the identity, / 0.5, + 10.
  OpTest t = QLinearMatMulTest(Tensor::FromVector<uint8_t>({2, 2}, {1, 2, 3, 4}),
                               Tensor::FromVector<uint8_t>({2, 2}, {1, 0, 0, 1}),
                               Tensor::Scalar<float>(1));
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<uint8_t>({2, 2}, {10, 12, 14, 16}));
}

TEST(QLinearMatMulTest, PerColumnScaleOfB) {
  OpTest t = QLinearMatMulTest(Tensor::FromVector<uint8_t>({2, 2}, {1, 2, 3, 4}),
                               Tensor::FromVector<uint8_t>({2, 2}, {1, 0, 0, 1}),
                               Tensor::FromVector<float>({2}, {1, 2}));
  t.inputs[5] = Tensor::FromVector<uint8_t>({2}, {0, 0});
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<uint8_t>({2, 2}, {10, 14, 14, 22}));
}

TEST(QLinearMatMulTest, PerRowScaleOfA) {
  OpTest t = QLinearMatMulTest(Tensor::FromVector<uint8_t>({2, 2}, {1, 2, 3, 4}),
                               Tensor::FromVector<uint8_t>({2, 2}, {1, 0, 0, 1}),
                               Tensor::Scalar<float>(1));
  t.inputs[1] = Tensor::FromVector<float>({2}, {1, 2});
  t.inputs[2] = Tensor::FromVector<uint8_t>({2}, {1, 1});
  // Row 1 ([2, 3]) is scaled by 2: [[0, 1], [4, 6]] / 0.5 + 10.
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<uint8_t>({2, 2}, {10, 12, 18, 22}));
}

TEST(QLinearMatMulTest, BroadcastBatchAndOneDimensional) {
  // a [2, 1, 2] (minus 1: [[0, 1]], [[2, 3]]) times b [2] (a vector) = [1, 5] -> * 2 + 10.
  OpTest t = QLinearMatMulTest(Tensor::FromVector<uint8_t>({2, 1, 2}, {1, 2, 3, 4}),
                               Tensor::FromVector<uint8_t>({2}, {1, 1}), Tensor::Scalar<float>(1));
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<uint8_t>({2, 1}, {12, 20}));
}

TEST(QLinearMatMulTest, InnerDimensionMismatchIsAnError) {
  OpTest t =
      QLinearMatMulTest(Tensor::FromVector<uint8_t>({2, 2}, {1, 2, 3, 4}),
                        Tensor::FromVector<uint8_t>({3, 1}, {1, 1, 1}), Tensor::Scalar<float>(1));
  EXPECT_FALSE(RunOp(t).ok());
}

OpTest QLinearConvTest(Tensor x, Tensor w, float y_scale) {
  OpTest t = OpTest("QLinearConv");
  t.inputs = {x,
              Tensor::Scalar<float>(1),
              Tensor::Scalar<uint8_t>(1),
              w,
              Tensor::Scalar<float>(1),
              Tensor::Scalar<uint8_t>(1),
              Tensor::Scalar<float>(y_scale),
              Tensor::Scalar<uint8_t>(0)};
  return t;
}

Tensor Grid3x3() { return Tensor::FromVector<uint8_t>({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}); }

TEST(QLinearConvTest, ValidWithBias) {
  // x - 1 = [[0,1,2],[3,4,5],[6,7,8]], w - 1 = ones(2x2): window sums 8, 12, 20, 24; + bias 2; / 2.
  OpTest t = QLinearConvTest(Grid3x3(), Tensor::FromVector<uint8_t>({1, 1, 2, 2}, {2, 2, 2, 2}), 2);
  t.inputs.push_back(Tensor::FromVector<int32_t>({1}, {2}));
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<uint8_t>({1, 1, 2, 2}, {5, 7, 11, 13}));
}

TEST(QLinearConvTest, PaddingAndStrides) {
  // Padded by 1 (padding reads as the zero point), stride 2: windows at (-1,-1), (-1,1), (1,-1),
  // (1,1).
  OpTest t = QLinearConvTest(Grid3x3(), Tensor::FromVector<uint8_t>({1, 1, 2, 2}, {2, 2, 2, 2}), 1);
  t.attributes["pads"] = IntsAttr({1, 1, 1, 1});
  t.attributes["strides"] = IntsAttr({2, 2});
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<uint8_t>({1, 1, 2, 2}, {0, 3, 9, 24}));
}

TEST(QLinearConvTest, SameUpper) {
  // Kernel 2x2 on 3x3, SAME_UPPER pads one at the end: the last row/column windows see padding.
  OpTest t = QLinearConvTest(Grid3x3(), Tensor::FromVector<uint8_t>({1, 1, 2, 2}, {2, 2, 2, 2}), 1);
  t.attributes["auto_pad"] = testing::StringAttr("SAME_UPPER");
  ExpectTensorEq(RunOpOutput(t),
                 Tensor::FromVector<uint8_t>({1, 1, 3, 3}, {8, 12, 7, 20, 24, 13, 13, 15, 8}));
}

TEST(QLinearConvTest, GroupsWithPerChannelInt8Weights) {
  // Two groups of one channel; output channel m = x[m] * (w[m] - w_zp[m]) * w_scale[m] / y_scale.
  OpTest t = OpTest("QLinearConv");
  t.attributes["group"] = IntAttr(2);
  t.inputs = {Tensor::FromVector<int8_t>({1, 2, 1, 2}, {1, 2, 3, 4}),
              Tensor::Scalar<float>(1),
              Tensor::Scalar<int8_t>(0),
              Tensor::FromVector<int8_t>({2, 1, 1, 1}, {3, -1}),
              Tensor::FromVector<float>({2}, {1, 0.5f}),
              Tensor::FromVector<int8_t>({2}, {1, 1}),
              Tensor::Scalar<float>(1),
              Tensor::Scalar<int8_t>(0)};
  // channel 0: x * 2 = 2, 4; channel 1: x * -2 * 0.5 = -3, -4.
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int8_t>({1, 2, 1, 2}, {2, 4, -3, -4}));
}

TEST(QLinearConvTest, ChannelMismatchIsAnError) {
  OpTest t = QLinearConvTest(Grid3x3(), Tensor::FromVector<uint8_t>({1, 2, 1, 1}, {1, 1}), 1);
  EXPECT_FALSE(RunOp(t).ok());
}

}  // namespace
}  // namespace berth
