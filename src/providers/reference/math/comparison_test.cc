#include <gtest/gtest.h>

#include <cmath>

#include "engine/testing/op_tester.h"

namespace berth::math {
namespace {

using testing::ExpectTensorEq;
using testing::OpTest;
using testing::RunOp;

// An OpTest for `op_type` at the default opset.
OpTest MakeTest(std::string op_type) {
  OpTest t;
  t.op_type = std::move(op_type);
  return t;
}

Tensor Binary(const std::string& op, Tensor a, Tensor b) {
  OpTest t = MakeTest(op);
  t.inputs = {a, b};
  auto out = RunOp(t);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? (*out)[0].tensor() : Tensor();
}

TEST(ComparisonTest, AllComparisonsBroadcast) {
  Tensor a = Tensor::FromVector<int32_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = Tensor::FromVector<int32_t>({3}, {2, 2, 5});
  ExpectTensorEq(Binary("Equal", a, b), Tensor::FromVector<bool>({2, 3}, {0, 1, 0, 0, 0, 0}));
  ExpectTensorEq(Binary("Less", a, b), Tensor::FromVector<bool>({2, 3}, {1, 0, 1, 0, 0, 0}));
  ExpectTensorEq(Binary("LessOrEqual", a, b), Tensor::FromVector<bool>({2, 3}, {1, 1, 1, 0, 0, 0}));
  ExpectTensorEq(Binary("Greater", a, b), Tensor::FromVector<bool>({2, 3}, {0, 0, 0, 1, 1, 1}));
  ExpectTensorEq(Binary("GreaterOrEqual", a, b),
                 Tensor::FromVector<bool>({2, 3}, {0, 1, 0, 1, 1, 1}));
}

TEST(ComparisonTest, NaNComparesFalse) {
  Tensor a = Tensor::FromVector<float>({2}, {NAN, 1.0f});
  Tensor b = Tensor::FromVector<float>({2}, {NAN, 1.0f});
  ExpectTensorEq(Binary("Equal", a, b), Tensor::FromVector<bool>({2}, {0, 1}));
  ExpectTensorEq(Binary("GreaterOrEqual", a, b), Tensor::FromVector<bool>({2}, {0, 1}));
}

TEST(ComparisonTest, EqualOnStringsBoolsAndHalves) {
  ExpectTensorEq(Binary("Equal", Tensor::FromVector<std::string>({3}, {"a", "bc", ""}),
                        Tensor::Scalar<std::string>("bc")),
                 Tensor::FromVector<bool>({3}, {0, 1, 0}));
  ExpectTensorEq(
      Binary("Equal", Tensor::FromVector<bool>({2}, {true, false}), Tensor::Scalar<bool>(false)),
      Tensor::FromVector<bool>({2}, {0, 1}));
  ExpectTensorEq(Binary("Less", Tensor::FromVector<Float16>({2}, {Float16(1.0f), Float16(3.0f)}),
                        Tensor::Scalar<Float16>(Float16(2.0f))),
                 Tensor::FromVector<bool>({2}, {1, 0}));
}

TEST(ComparisonTest, LessRejectsStrings) {
  OpTest t = MakeTest("Less");
  t.inputs = {Tensor::Scalar<std::string>("a"), Tensor::Scalar<std::string>("b")};
  EXPECT_FALSE(RunOp(t).ok());
}

}  // namespace
}  // namespace berth::math
