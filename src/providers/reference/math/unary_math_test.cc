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

Tensor Unary(const std::string& op, Tensor x) {
  OpTest t = MakeTest(op);
  t.inputs = {x};
  return RunOpOutput(t);
}

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

TEST(UnaryMathTest, AbsAndNegOnIntsWrap) {
  ExpectTensorEq(Unary("Abs", Tensor::FromVector<int8_t>({4}, {-3, 0, 5, -128})),
                 Tensor::FromVector<int8_t>({4}, {3, 0, 5, -128}));
  ExpectTensorEq(Unary("Abs", Tensor::FromVector<uint16_t>({2}, {7, 65535})),
                 Tensor::FromVector<uint16_t>({2}, {7, 65535}));
  ExpectTensorEq(
      Unary("Neg", Tensor::FromVector<int64_t>({3}, {-3, 4, std::numeric_limits<int64_t>::min()})),
      Tensor::FromVector<int64_t>({3}, {3, -4, std::numeric_limits<int64_t>::min()}));
  ExpectTensorEq(Unary("Abs", Tensor::FromVector<float>({3}, {-1.5f, 2.0f, -0.0f})),
                 Tensor::FromVector<float>({3}, {1.5f, 2.0f, 0.0f}));
}

TEST(UnaryMathTest, NegRejectsUnsigned) {
  OpTest t = MakeTest("Neg");
  t.inputs = {Tensor::FromVector<uint8_t>({1}, {1})};
  auto out = RunOp(t);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("Neg"), std::string::npos);
}

TEST(UnaryMathTest, RoundHalfToEven) {
  ExpectTensorEq(
      Unary("Round",
            Tensor::FromVector<float>({8}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4f, 2.6f, -2.6f})),
      Tensor::FromVector<float>({8}, {0.0f, 2.0f, 2.0f, -0.0f, -2.0f, 2.0f, 3.0f, -3.0f}));
}

TEST(UnaryMathTest, FloorCeilFloat16AndDouble) {
  std::vector<Float16> in = {Float16(1.5f), Float16(-1.5f), Float16(2.0f)};
  ExpectTensorEq(Unary("Floor", Tensor::FromVector<Float16>({3}, in)),
                 Tensor::FromVector<Float16>({3}, {Float16(1.0f), Float16(-2.0f), Float16(2.0f)}));
  ExpectTensorEq(Unary("Ceil", Tensor::FromVector<double>({2}, {1.25, -1.25})),
                 Tensor::FromVector<double>({2}, {2.0, -1.0}));
}

TEST(UnaryMathTest, SignKeepsZeroAndNaN) {
  Tensor s = Unary("Sign", Tensor::FromVector<float>({4}, {-2.0f, 0.0f, 3.0f, kNaN}));
  ExpectTensorNear(s, Tensor::FromVector<float>({4}, {-1.0f, 0.0f, 1.0f, kNaN}));
  ExpectTensorEq(Unary("Sign", Tensor::FromVector<int32_t>({3}, {-7, 0, 9})),
                 Tensor::FromVector<int32_t>({3}, {-1, 0, 1}));
  ExpectTensorEq(Unary("Sign", Tensor::FromVector<uint8_t>({2}, {0, 9})),
                 Tensor::FromVector<uint8_t>({2}, {0, 1}));
}

TEST(UnaryMathTest, TranscendentalsMatchLibm) {
  const std::vector<float> x = {0.1f, 0.5f, 0.9f};
  const std::vector<std::pair<std::string, float (*)(float)>> ops = {
      {"Sqrt", std::sqrt},   {"Exp", std::exp},   {"Log", std::log},   {"Sin", std::sin},
      {"Cos", std::cos},     {"Tan", std::tan},   {"Asin", std::asin}, {"Acos", std::acos},
      {"Atan", std::atan},   {"Sinh", std::sinh}, {"Cosh", std::cosh}, {"Asinh", std::asinh},
      {"Atanh", std::atanh}, {"Erf", std::erf}};
  for (const auto& [name, fn] : ops) {
    SCOPED_TRACE(name);
    std::vector<float> expected;
    for (float v : x) expected.push_back(fn(v));
    ExpectTensorNear(Unary(name, Tensor::FromVector<float>({3}, x)),
                     Tensor::FromVector<float>({3}, expected));
  }
  ExpectTensorNear(Unary("Acosh", Tensor::FromVector<double>({2}, {1.0, 2.0})),
                   Tensor::FromVector<double>({2}, {0.0, std::acosh(2.0)}));
  ExpectTensorNear(Unary("Reciprocal", Tensor::FromVector<float>({2, 1}, {4.0f, -0.5f})),
                   Tensor::FromVector<float>({2, 1}, {0.25f, -2.0f}));
}

TEST(UnaryMathTest, IsNaNAndIsInf) {
  Tensor x = Tensor::FromVector<float>({4}, {1.0f, kNaN, kInf, -kInf});
  ExpectTensorEq(Unary("IsNaN", x), Tensor::FromVector<bool>({4}, {false, true, false, false}));
  ExpectTensorEq(Unary("IsInf", x), Tensor::FromVector<bool>({4}, {false, false, true, true}));
  OpTest neg = MakeTest("IsInf");
  neg.inputs = {x};
  neg.attributes["detect_positive"] = IntAttr(0);
  ExpectTensorEq(RunOpOutput(neg), Tensor::FromVector<bool>({4}, {false, false, false, true}));
  OpTest pos = MakeTest("IsInf");
  pos.inputs = {Tensor::FromVector<double>({2}, {-INFINITY, INFINITY})};
  pos.attributes["detect_negative"] = IntAttr(0);
  ExpectTensorEq(RunOpOutput(pos), Tensor::FromVector<bool>({2}, {false, true}));
}

TEST(UnaryMathTest, EmptyAndScalar) {
  ExpectTensorEq(Unary("Exp", Tensor(DataType::kFloat32, {0, 3})),
                 Tensor(DataType::kFloat32, {0, 3}));
  ExpectTensorNear(Unary("Sqrt", Tensor::Scalar<float>(9.0f)), Tensor::Scalar<float>(3.0f));
}

TEST(UnaryMathTest, WrongTypeIsAnError) {
  OpTest t = MakeTest("Sqrt");
  t.inputs = {Tensor::FromVector<int32_t>({1}, {4})};
  auto out = RunOp(t);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("int32"), std::string::npos) << out.status().ToString();
}

}  // namespace
}  // namespace berth::math
