// Softmax, LogSoftmax and Hardmax, including the opset-13 change of semantics.

#include <gtest/gtest.h>

#include <cmath>

#include "engine/testing/op_tester.h"

namespace berth::nn {
namespace {

using testing::ExpectTensorNear;
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

Tensor F(Shape s, std::vector<float> v) { return Tensor::FromVector<float>(std::move(s), v); }

const float kLn3 = std::log(3.0f);

TEST(SoftmaxTest, Opset13IsOneAxis) {
  OpTest t = Op("Softmax");
  t.inputs = {F({1, 2, 2}, {0, kLn3, 0, kLn3})};
  ExpectTensorNear(RunOpOutput(t), F({1, 2, 2}, {0.25f, 0.75f, 0.25f, 0.75f}));
  t.attributes["axis"] = IntAttr(1);
  ExpectTensorNear(RunOpOutput(t), F({1, 2, 2}, {0.5f, 0.5f, 0.5f, 0.5f}));
  t.attributes["axis"] = IntAttr(-3);
  ExpectTensorNear(RunOpOutput(t), F({1, 2, 2}, {1, 1, 1, 1}));
  t.attributes["axis"] = IntAttr(3);
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(SoftmaxTest, BeforeOpset13CoercesTo2d) {
  OpTest t = Op("Softmax");
  t.opset = 11;  // default axis 1: each row spans the last two axes
  t.inputs = {F({1, 2, 2}, {0, kLn3, 0, kLn3})};
  ExpectTensorNear(RunOpOutput(t), F({1, 2, 2}, {0.125f, 0.375f, 0.125f, 0.375f}));
  t.attributes["axis"] = IntAttr(2);
  ExpectTensorNear(RunOpOutput(t), F({1, 2, 2}, {0.25f, 0.75f, 0.25f, 0.75f}));
}

TEST(SoftmaxTest, LargeValuesScalarsAndEmpty) {
  OpTest t = Op("Softmax");
  t.inputs = {F({2}, {1000, 1000})};
  ExpectTensorNear(RunOpOutput(t), F({2}, {0.5f, 0.5f}));
  t.inputs = {F({}, {7})};  // a scalar has no axis to normalise over
  EXPECT_FALSE(RunOp(t).ok());
  t.inputs = {Tensor(DataType::kFloat32, {0, 3})};
  ExpectTensorNear(RunOpOutput(t), Tensor(DataType::kFloat32, {0, 3}));
  t.inputs = {Tensor::FromVector<double>({2}, {0, std::log(3.0)})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<double>({2}, {0.25, 0.75}));
  t.inputs = {Tensor::FromVector<int32_t>({2}, {1, 2})};
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(LogSoftmaxTest, BothSemantics) {
  OpTest t = Op("LogSoftmax");
  t.inputs = {F({1, 2, 2}, {0, kLn3, 0, kLn3})};
  const float a = std::log(0.25f), b = std::log(0.75f);
  ExpectTensorNear(RunOpOutput(t), F({1, 2, 2}, {a, b, a, b}));
  t.inputs = {F({2}, {1000, 0})};
  ExpectTensorNear(RunOpOutput(t), F({2}, {0, -1000}));
  t.opset = 12;
  t.inputs = {F({1, 2, 2}, {0, kLn3, 0, kLn3})};
  const float c = std::log(0.125f), d = std::log(0.375f);
  ExpectTensorNear(RunOpOutput(t), F({1, 2, 2}, {c, d, c, d}));
  t.inputs = {F({2}, {1000, 0})};  // default axis 1 does not exist for rank 1
  EXPECT_FALSE(RunOp(t).ok());
  t.attributes["axis"] = IntAttr(0);
  ExpectTensorNear(RunOpOutput(t), F({2}, {0, -1000}));
}

TEST(HardmaxTest, FirstMaximumWins) {
  OpTest t = Op("Hardmax");
  t.inputs = {F({2, 3}, {1, 3, 3, 0, -1, -2})};
  ExpectTensorNear(RunOpOutput(t), F({2, 3}, {0, 1, 0, 1, 0, 0}));
  t.attributes["axis"] = IntAttr(0);
  ExpectTensorNear(RunOpOutput(t), F({2, 3}, {1, 1, 1, 0, 0, 0}));
  OpTest old = Op("Hardmax");
  old.opset = 11;
  old.inputs = {F({1, 2, 2}, {1, 3, 3, 0})};
  ExpectTensorNear(RunOpOutput(old), F({1, 2, 2}, {0, 1, 0, 0}));
}

}  // namespace
}  // namespace berth::nn
