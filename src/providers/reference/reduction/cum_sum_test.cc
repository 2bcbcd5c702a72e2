#include <gtest/gtest.h>

#include "engine/testing/op_tester.h"

namespace berth {
namespace {

using testing::ExpectTensorEq;
using testing::ExpectTensorNear;
using testing::IntAttr;
using testing::OpTest;
using testing::RunOp;
using testing::RunOpOutput;

TEST(CumSumTest, ExclusiveAndReverse) {
  OpTest t;
  t.op_type = "CumSum";
  t.inputs = {Tensor::FromVector<float>({4}, {1, 2, 3, 4}), Tensor::Scalar<int32_t>(0)};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({4}, {1, 3, 6, 10}));
  t.attributes["exclusive"] = IntAttr(1);
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({4}, {0, 1, 3, 6}));
  t.attributes["reverse"] = IntAttr(1);
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({4}, {9, 7, 4, 0}));
  t.attributes["exclusive"] = IntAttr(0);
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({4}, {10, 9, 7, 4}));
}

TEST(CumSumTest, Axis0And1NegativeInt64) {
  OpTest t;
  t.op_type = "CumSum";
  Tensor x = Tensor::FromVector<int64_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  t.inputs = {x, Tensor::FromVector<int64_t>({1}, {0})};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int64_t>({2, 3}, {1, 2, 3, 5, 7, 9}));
  t.inputs = {x, Tensor::Scalar<int64_t>(-1)};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int64_t>({2, 3}, {1, 3, 6, 4, 9, 15}));
}

TEST(CumSumTest, Errors) {
  OpTest t;
  t.op_type = "CumSum";
  t.inputs = {Tensor::FromVector<float>({2}, {1, 2}), Tensor::Scalar<int32_t>(1)};
  EXPECT_FALSE(RunOp(t).ok());
  t.inputs = {Tensor::FromVector<float>({2}, {1, 2}), Tensor::Scalar<float>(0)};
  EXPECT_FALSE(RunOp(t).ok());
  t.inputs = {Tensor::FromVector<float>({2}, {1, 2}), Tensor::FromVector<int32_t>({2}, {0, 0})};
  EXPECT_FALSE(RunOp(t).ok());
}

}  // namespace
}  // namespace berth
