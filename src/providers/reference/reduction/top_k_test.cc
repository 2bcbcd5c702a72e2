#include <gtest/gtest.h>

#include "engine/testing/op_tester.h"

namespace berth {
namespace {

using testing::ExpectTensorEq;
using testing::ExpectTensorNear;
using testing::IntAttr;
using testing::OpTest;
using testing::RunOp;

Tensor K(int64_t k) { return Tensor::FromVector<int64_t>({1}, {k}); }

TEST(TopKTest, LargestWithTiesByLowerIndex) {
  OpTest t;
  t.op_type = "TopK";
  t.num_outputs = 2;
  t.inputs = {Tensor::FromVector<float>({2, 4}, {1, 3, 3, 2, 0, -1, 5, 5}), K(3)};
  auto out = RunOp(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorNear((*out)[0].tensor(), Tensor::FromVector<float>({2, 3}, {3, 3, 2, 5, 5, 0}));
  ExpectTensorEq((*out)[1].tensor(), Tensor::FromVector<int64_t>({2, 3}, {1, 2, 3, 2, 3, 0}));
}

TEST(TopKTest, SmallestAlongAxis0) {
  OpTest t;
  t.op_type = "TopK";
  t.num_outputs = 2;
  t.attributes["axis"] = IntAttr(0);
  t.attributes["largest"] = IntAttr(0);
  t.inputs = {Tensor::FromVector<int32_t>({3, 2}, {4, 1, 2, 1, 3, 0}), K(2)};
  auto out = RunOp(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEq((*out)[0].tensor(), Tensor::FromVector<int32_t>({2, 2}, {2, 0, 3, 1}));
  ExpectTensorEq((*out)[1].tensor(), Tensor::FromVector<int64_t>({2, 2}, {1, 2, 2, 0}));
}

TEST(TopKTest, KAttributeBeforeOpset10) {
  OpTest t;
  t.op_type = "TopK";
  t.opset = 9;
  t.num_outputs = 2;
  t.attributes["k"] = IntAttr(1);
  t.inputs = {Tensor::FromVector<float>({3}, {1, 7, 2})};
  auto out = RunOp(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorNear((*out)[0].tensor(), Tensor::FromVector<float>({1}, {7}));
  ExpectTensorEq((*out)[1].tensor(), Tensor::FromVector<int64_t>({1}, {1}));
}

TEST(TopKTest, ZeroAndBadK) {
  OpTest t;
  t.op_type = "TopK";
  t.num_outputs = 2;
  t.inputs = {Tensor::FromVector<float>({3}, {1, 7, 2}), K(0)};
  auto out = RunOp(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].tensor().shape(), Shape({0}));
  t.inputs = {Tensor::FromVector<float>({3}, {1, 7, 2}), K(4)};
  EXPECT_FALSE(RunOp(t).ok());
  t.inputs = {Tensor::FromVector<float>({3}, {1, 7, 2}), K(-1)};
  EXPECT_FALSE(RunOp(t).ok());
}

}  // namespace
}  // namespace berth
