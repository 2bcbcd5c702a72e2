#include <gtest/gtest.h>

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

Tensor Where(Tensor c, Tensor x, Tensor y) {
  OpTest t = MakeTest("Where");
  t.inputs = {c, x, y};
  auto out = RunOp(t);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? (*out)[0].tensor() : Tensor();
}

TEST(WhereTest, BroadcastsAllThreeInputs) {
  Tensor c = Tensor::FromVector<bool>({2, 1}, {true, false});
  Tensor x = Tensor::FromVector<float>({3}, {1, 2, 3});
  Tensor y = Tensor::Scalar<float>(-1);
  ExpectTensorEq(Where(c, x, y), Tensor::FromVector<float>({2, 3}, {1, 2, 3, -1, -1, -1}));
  Tensor c2 = Tensor::FromVector<bool>({2, 2}, {true, false, false, true});
  ExpectTensorEq(Where(c2, Tensor::FromVector<int64_t>({2, 2}, {1, 2, 3, 4}),
                       Tensor::FromVector<int64_t>({2, 2}, {9, 8, 7, 6})),
                 Tensor::FromVector<int64_t>({2, 2}, {1, 8, 7, 4}));
}

TEST(WhereTest, StringsHalvesAndBools) {
  Tensor c = Tensor::FromVector<bool>({2}, {false, true});
  ExpectTensorEq(
      Where(c, Tensor::FromVector<std::string>({2}, {"a", "b"}), Tensor::Scalar<std::string>("z")),
      Tensor::FromVector<std::string>({2}, {"z", "b"}));
  ExpectTensorEq(
      Where(c, Tensor::Scalar<Float16>(Float16(1.5f)), Tensor::Scalar<Float16>(Float16(-2.0f))),
      Tensor::FromVector<Float16>({2}, {Float16(-2.0f), Float16(1.5f)}));
  ExpectTensorEq(Where(c, Tensor::Scalar<bool>(true), Tensor::Scalar<bool>(false)),
                 Tensor::FromVector<bool>({2}, {false, true}));
}

TEST(WhereTest, Errors) {
  OpTest not_bool = MakeTest("Where");
  not_bool.inputs = {Tensor::FromVector<int32_t>({1}, {1}), Tensor::Scalar<float>(1),
                     Tensor::Scalar<float>(2)};
  EXPECT_FALSE(RunOp(not_bool).ok());
  OpTest mixed = MakeTest("Where");
  mixed.inputs = {Tensor::Scalar<bool>(true), Tensor::Scalar<float>(1), Tensor::Scalar<double>(2)};
  EXPECT_FALSE(RunOp(mixed).ok());
}

}  // namespace
}  // namespace berth::math
