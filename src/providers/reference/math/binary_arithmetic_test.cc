#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "engine/testing/op_tester.h"

namespace berth::math {
namespace {

using testing::ExpectTensorEq;
using testing::ExpectTensorNear;
using testing::IntAttr;
using testing::OpTest;
using testing::RunOp;
using testing::RunOpOutput;

// An OpTest for `op_type` at the default opset.
OpTest MakeTest(std::string op_type) {
  OpTest t;
  t.op_type = std::move(op_type);
  return t;
}

Tensor Binary(const std::string& op, Tensor a, Tensor b, int opset = 17) {
  OpTest t = MakeTest(op);
  t.opset = opset;
  t.inputs = {a, b};
  return RunOpOutput(t);
}

TEST(BinaryArithmeticTest, SameShapeScalarAndBias) {
  Tensor a = Tensor::FromVector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  ExpectTensorEq(Binary("Add", a, Tensor::FromVector<float>({2, 3}, {10, 20, 30, 40, 50, 60})),
                 Tensor::FromVector<float>({2, 3}, {11, 22, 33, 44, 55, 66}));
  ExpectTensorEq(Binary("Mul", a, Tensor::Scalar<float>(2)),
                 Tensor::FromVector<float>({2, 3}, {2, 4, 6, 8, 10, 12}));
  ExpectTensorEq(Binary("Sub", Tensor::Scalar<float>(10), a),
                 Tensor::FromVector<float>({2, 3}, {9, 8, 7, 6, 5, 4}));
  ExpectTensorEq(Binary("Add", a, Tensor::FromVector<float>({3}, {100, 200, 300})),
                 Tensor::FromVector<float>({2, 3}, {101, 202, 303, 104, 205, 306}));
  ExpectTensorEq(Binary("Add", a, Tensor::FromVector<float>({2, 1}, {100, 200})),
                 Tensor::FromVector<float>({2, 3}, {101, 102, 103, 204, 205, 206}));
}

TEST(BinaryArithmeticTest, OuterBroadcastAndEmpty) {
  ExpectTensorEq(Binary("Mul", Tensor::FromVector<int32_t>({3, 1}, {1, 2, 3}),
                        Tensor::FromVector<int32_t>({1, 2}, {10, 100})),
                 Tensor::FromVector<int32_t>({3, 2}, {10, 100, 20, 200, 30, 300}));
  ExpectTensorEq(
      Binary("Add", Tensor(DataType::kFloat32, {0, 3}), Tensor::FromVector<float>({3}, {1, 2, 3})),
      Tensor(DataType::kFloat32, {0, 3}));
  OpTest bad = MakeTest("Add");
  bad.inputs = {Tensor(DataType::kFloat32, {2, 3}), Tensor(DataType::kFloat32, {4})};
  EXPECT_FALSE(RunOp(bad).ok());
  OpTest mixed = MakeTest("Add");
  mixed.inputs = {Tensor(DataType::kFloat32, {2}), Tensor(DataType::kInt32, {2})};
  EXPECT_FALSE(RunOp(mixed).ok());
}

TEST(BinaryArithmeticTest, IntegerOverflowWraps) {
  ExpectTensorEq(Binary("Add", Tensor::FromVector<uint8_t>({2}, {250, 1}),
                        Tensor::FromVector<uint8_t>({2}, {10, 2})),
                 Tensor::FromVector<uint8_t>({2}, {4, 3}));
  ExpectTensorEq(
      Binary("Sub", Tensor::FromVector<uint8_t>({1}, {1}), Tensor::FromVector<uint8_t>({1}, {2})),
      Tensor::FromVector<uint8_t>({1}, {255}));
  const int32_t kMax = std::numeric_limits<int32_t>::max();
  ExpectTensorEq(Binary("Mul", Tensor::FromVector<int32_t>({1}, {kMax}),
                        Tensor::FromVector<int32_t>({1}, {2})),
                 Tensor::FromVector<int32_t>({1}, {-2}));
}

TEST(BinaryArithmeticTest, IntegerDivisionTruncates) {
  ExpectTensorEq(Binary("Div", Tensor::FromVector<int32_t>({4}, {7, -7, 7, -7}),
                        Tensor::FromVector<int32_t>({4}, {2, 2, -2, -2})),
                 Tensor::FromVector<int32_t>({4}, {3, -3, -3, 3}));
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  ExpectTensorEq(Binary("Div", Tensor::FromVector<int64_t>({1}, {kMin}),
                        Tensor::FromVector<int64_t>({1}, {-1})),
                 Tensor::FromVector<int64_t>({1}, {kMin}));
  OpTest zero = MakeTest("Div");
  zero.inputs = {Tensor::FromVector<int32_t>({2}, {1, 2}),
                 Tensor::FromVector<int32_t>({2}, {1, 0})};
  auto out = RunOp(zero);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("division by zero"), std::string::npos);
  ExpectTensorNear(Binary("Div", Tensor::FromVector<float>({2}, {1, -3}),
                          Tensor::FromVector<float>({2}, {4, 2})),
                   Tensor::FromVector<float>({2}, {0.25f, -1.5f}));
}

TEST(BinaryArithmeticTest, ModSignSemantics) {
  Tensor a = Tensor::FromVector<int32_t>({4}, {7, -7, 7, -7});
  Tensor b = Tensor::FromVector<int32_t>({4}, {3, 3, -3, -3});
  ExpectTensorEq(Binary("Mod", a, b), Tensor::FromVector<int32_t>({4}, {1, 2, -2, -1}));
  OpTest c = MakeTest("Mod");
  c.inputs = {a, b};
  c.attributes["fmod"] = IntAttr(1);
  ExpectTensorEq(RunOpOutput(c), Tensor::FromVector<int32_t>({4}, {1, -1, 1, -1}));
  OpTest f = MakeTest("Mod");
  f.inputs = {Tensor::FromVector<float>({2}, {-4.5f, 4.5f}),
              Tensor::FromVector<float>({2}, {2, -2})};
  f.attributes["fmod"] = IntAttr(1);
  ExpectTensorNear(RunOpOutput(f), Tensor::FromVector<float>({2}, {-0.5f, 0.5f}));
  ExpectTensorNear(Binary("Mod", Tensor::FromVector<double>({2}, {-4.5, 4.5}),
                          Tensor::FromVector<double>({2}, {2, -2})),
                   Tensor::FromVector<double>({2}, {1.5, -1.5}));
  ExpectTensorEq(
      Binary("Mod", Tensor::FromVector<uint8_t>({2}, {7, 200}), Tensor::Scalar<uint8_t>(3)),
      Tensor::FromVector<uint8_t>({2}, {1, 2}));
}

TEST(BinaryArithmeticTest, PowMixedTypes) {
  ExpectTensorNear(Binary("Pow", Tensor::FromVector<float>({3}, {1, 2, 3}),
                          Tensor::FromVector<float>({3}, {4, 5, 6})),
                   Tensor::FromVector<float>({3}, {1, 32, 729}));
  ExpectTensorNear(
      Binary("Pow", Tensor::FromVector<float>({2}, {2, 4}), Tensor::FromVector<int64_t>({1}, {-1})),
      Tensor::FromVector<float>({2}, {0.5f, 0.25f}));
  ExpectTensorEq(Binary("Pow", Tensor::FromVector<int32_t>({3}, {1, 2, 3}),
                        Tensor::FromVector<float>({3}, {4, 5, 6})),
                 Tensor::FromVector<int32_t>({3}, {1, 32, 729}));
  ExpectTensorEq(Binary("Pow", Tensor::FromVector<int64_t>({4}, {3, -2, 2, -1}),
                        Tensor::FromVector<int64_t>({4}, {39, 3, -1, -3})),
                 Tensor::FromVector<int64_t>({4}, {4052555153018976267LL, -8, 0, -1}));
  ExpectTensorNear(
      Binary("Pow", Tensor::FromVector<double>({1}, {2}), Tensor::FromVector<uint8_t>({1}, {10})),
      Tensor::FromVector<double>({1}, {1024}));
}

TEST(BinaryArithmeticTest, Float16) {
  ExpectTensorEq(Binary("Add", Tensor::FromVector<Float16>({2}, {Float16(1.5f), Float16(2.0f)}),
                        Tensor::Scalar<Float16>(Float16(0.25f))),
                 Tensor::FromVector<Float16>({2}, {Float16(1.75f), Float16(2.25f)}));
  ExpectTensorEq(Binary("Mul", Tensor::FromVector<BFloat16>({1}, {BFloat16(3.0f)}),
                        Tensor::FromVector<BFloat16>({1}, {BFloat16(-2.0f)})),
                 Tensor::FromVector<BFloat16>({1}, {BFloat16(-6.0f)}));
}

TEST(BinaryArithmeticTest, LegacyBroadcastAttribute) {
  OpTest t = MakeTest("Add");
  t.opset = 6;
  t.inputs = {Tensor::FromVector<float>({2, 3, 2}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
              Tensor::FromVector<float>({3}, {1, 2, 3})};
  t.attributes["broadcast"] = IntAttr(1);
  t.attributes["axis"] = IntAttr(1);
  ExpectTensorEq(RunOpOutput(t),
                 Tensor::FromVector<float>({2, 3, 2}, {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
}

}  // namespace
}  // namespace berth::math
