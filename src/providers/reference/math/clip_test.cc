#include <gtest/gtest.h>

#include <cmath>

#include "engine/testing/op_tester.h"

namespace berth::math {
namespace {

using testing::ExpectTensorEq;
using testing::ExpectTensorNear;
using testing::FloatAttr;
using testing::OpTest;
using testing::RunOp;
using testing::RunOpOutput;

// An OpTest for `op_type` at the default opset.
OpTest MakeTest(std::string op_type) {
  OpTest t;
  t.op_type = std::move(op_type);
  return t;
}

TEST(ClipTest, InputsFromOpset11) {
  Tensor x = Tensor::FromVector<float>({4}, {-5, 0.5f, 5, NAN});
  OpTest both = MakeTest("Clip");
  both.inputs = {x, Tensor::Scalar<float>(-1), Tensor::Scalar<float>(1)};
  ExpectTensorNear(RunOpOutput(both), Tensor::FromVector<float>({4}, {-1, 0.5f, 1, NAN}));
  OpTest max_only = MakeTest("Clip");
  max_only.inputs = {x, Value(), Tensor::Scalar<float>(0)};
  ExpectTensorNear(RunOpOutput(max_only), Tensor::FromVector<float>({4}, {-5, 0, 0, NAN}));
  OpTest none = MakeTest("Clip");
  none.inputs = {x};
  ExpectTensorNear(RunOpOutput(none), x);
  OpTest inverted = MakeTest("Clip");
  inverted.inputs = {x, Tensor::Scalar<float>(2), Tensor::Scalar<float>(1)};
  ExpectTensorNear(RunOpOutput(inverted), Tensor::FromVector<float>({4}, {1, 1, 1, NAN}));
}

TEST(ClipTest, IntegersAndBadBounds) {
  OpTest t = MakeTest("Clip");
  t.inputs = {Tensor::FromVector<int8_t>({3}, {-100, 3, 100}), Tensor::Scalar<int8_t>(-5)};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int8_t>({3}, {-5, 3, 100}));
  OpTest wrong_type = MakeTest("Clip");
  wrong_type.inputs = {Tensor::FromVector<int8_t>({1}, {1}), Tensor::Scalar<float>(0)};
  EXPECT_FALSE(RunOp(wrong_type).ok());
  OpTest not_scalar = MakeTest("Clip");
  not_scalar.inputs = {Tensor::FromVector<float>({2}, {1, 2}),
                       Tensor::FromVector<float>({2}, {0, 0})};
  EXPECT_FALSE(RunOp(not_scalar).ok());
}

TEST(ClipTest, AttributesBeforeOpset11) {
  OpTest t = MakeTest("Clip");
  t.opset = 6;
  t.inputs = {Tensor::FromVector<float>({3}, {-5, 0.5f, 5})};
  t.attributes["min"] = FloatAttr(-1);
  t.attributes["max"] = FloatAttr(1);
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({3}, {-1, 0.5f, 1}));
  OpTest defaults = MakeTest("Clip");
  defaults.opset = 6;
  defaults.inputs = {Tensor::FromVector<float>({2}, {-5e30f, 5e30f})};
  defaults.attributes["min"] = FloatAttr(0);
  ExpectTensorNear(RunOpOutput(defaults), Tensor::FromVector<float>({2}, {0, 5e30f}));
}

}  // namespace
}  // namespace berth::math
