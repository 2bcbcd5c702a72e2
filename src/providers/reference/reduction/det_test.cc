#include <gtest/gtest.h>

#include "engine/testing/op_tester.h"

namespace berth {
namespace {

using testing::ExpectTensorNear;
using testing::OpTest;
using testing::RunOp;
using testing::RunOpOutput;

TEST(DetTest, Single2x2) {
  OpTest t;
  t.op_type = "Det";
  t.inputs = {Tensor::FromVector<float>({2, 2}, {1, 2, 3, 4})};
  ExpectTensorNear(RunOpOutput(t), Tensor::Scalar<float>(-2));
}

TEST(DetTest, BatchNeedsPivotingAndSingular) {
  OpTest t;
  t.op_type = "Det";
  // [[0,1,0],[1,0,0],[0,0,2]] -> -2 (zero on the diagonal needs a row swap); then a singular one.
  t.inputs = {Tensor::FromVector<double>({2, 3, 3}, {0, 1, 0, 1, 0, 0, 0, 0, 2,  //
                                                     1, 2, 3, 2, 4, 6, 0, 1, 1})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<double>({2}, {-2, 0}));
}

TEST(DetTest, EmptyMatrixAndErrors) {
  OpTest t;
  t.op_type = "Det";
  t.inputs = {Tensor(DataType::kFloat32, {2, 0, 0})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({2}, {1, 1}));
  t.inputs = {Tensor(DataType::kFloat32, {2, 3})};
  EXPECT_FALSE(RunOp(t).ok());
  t.inputs = {Tensor(DataType::kFloat32, {3})};
  EXPECT_FALSE(RunOp(t).ok());
}

}  // namespace
}  // namespace berth
