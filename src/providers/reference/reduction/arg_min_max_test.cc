#include <gtest/gtest.h>

#include <limits>

#include "engine/testing/op_tester.h"

namespace berth {
namespace {

using testing::ExpectTensorEq;
using testing::IntAttr;
using testing::OpTest;
using testing::RunOp;
using testing::RunOpOutput;

// [2, 3]: 2 9 9 / 4 1 4
Tensor Data() { return Tensor::FromVector<float>({2, 3}, {2, 9, 9, 4, 1, 4}); }

TEST(ArgMaxTest, DefaultAxisKeepDims) {
  OpTest t;
  t.op_type = "ArgMax";
  t.inputs = {Data()};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int64_t>({1, 3}, {1, 0, 0}));
}

TEST(ArgMaxTest, TiesFirstOrLast) {
  OpTest t;
  t.op_type = "ArgMax";
  t.attributes["axis"] = IntAttr(1);
  t.attributes["keepdims"] = IntAttr(0);
  t.inputs = {Data()};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int64_t>({2}, {1, 0}));
  t.attributes["select_last_index"] = IntAttr(1);
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int64_t>({2}, {2, 2}));
}

TEST(ArgMinTest, NegativeAxisAndInts) {
  OpTest t;
  t.op_type = "ArgMin";
  t.attributes["axis"] = IntAttr(-1);
  t.inputs = {Tensor::FromVector<int32_t>({2, 3}, {5, -1, -1, 0, 0, 7})};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int64_t>({2, 1}, {1, 0}));
  t.attributes["select_last_index"] = IntAttr(1);
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int64_t>({2, 1}, {2, 1}));
}

TEST(ArgMaxTest, NaNWins) {
  OpTest t;
  t.op_type = "ArgMax";
  const float nan = std::numeric_limits<float>::quiet_NaN();
  t.inputs = {Tensor::FromVector<float>({4}, {1, nan, 5, nan})};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int64_t>({1}, {1}));
}

TEST(ArgMaxTest, Errors) {
  OpTest t;
  t.op_type = "ArgMax";
  t.attributes["axis"] = IntAttr(2);
  t.inputs = {Data()};
  EXPECT_FALSE(RunOp(t).ok());
  t.attributes["axis"] = IntAttr(1);
  t.inputs = {Tensor(DataType::kFloat32, {2, 0})};
  EXPECT_FALSE(RunOp(t).ok());
  // Nothing to compute: fine.
  t.inputs = {Tensor(DataType::kFloat32, {0, 3})};
  ExpectTensorEq(RunOpOutput(t), Tensor(DataType::kInt64, {0, 1}));
}

}  // namespace
}  // namespace berth
