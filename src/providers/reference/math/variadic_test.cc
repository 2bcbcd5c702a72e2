#include <gtest/gtest.h>

#include <cmath>

#include "engine/testing/op_tester.h"

namespace berth::math {
namespace {

using testing::ExpectTensorEq;
using testing::ExpectTensorNear;
using testing::OpTest;
using testing::RunOp;

// An OpTest for `op_type` at the default opset.
OpTest MakeTest(std::string op_type) {
  OpTest t;
  t.op_type = std::move(op_type);
  return t;
}

Tensor Variadic(const std::string& op, std::vector<Value> inputs) {
  OpTest t = MakeTest(op);
  t.inputs = std::move(inputs);
  auto out = RunOp(t);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? (*out)[0].tensor() : Tensor();
}

TEST(VariadicTest, ThreeInputsBroadcast) {
  Tensor a = Tensor::FromVector<float>({2, 2}, {1, 5, 3, 0});
  Tensor b = Tensor::FromVector<float>({2}, {2, 2});
  Tensor c = Tensor::Scalar<float>(4);
  ExpectTensorEq(Variadic("Max", {a, b, c}), Tensor::FromVector<float>({2, 2}, {4, 5, 4, 4}));
  ExpectTensorEq(Variadic("Min", {a, b, c}), Tensor::FromVector<float>({2, 2}, {1, 2, 2, 0}));
  ExpectTensorEq(Variadic("Sum", {a, b, c}), Tensor::FromVector<float>({2, 2}, {7, 11, 9, 6}));
  ExpectTensorNear(Variadic("Mean", {a, b, c}),
                   Tensor::FromVector<float>({2, 2}, {7.f / 3, 11.f / 3, 3, 2}));
}

TEST(VariadicTest, SingleInputAndBroadcastFirstInput) {
  Tensor a = Tensor::FromVector<int32_t>({3}, {3, 1, 2});
  ExpectTensorEq(Variadic("Max", {a}), a);
  ExpectTensorEq(Variadic("Min", {Tensor::FromVector<int32_t>({1}, {2}), a}),
                 Tensor::FromVector<int32_t>({3}, {2, 1, 2}));
}

TEST(VariadicTest, NaNPropagatesThroughMaxAndMin) {
  Tensor a = Tensor::FromVector<float>({2}, {NAN, 1});
  Tensor b = Tensor::FromVector<float>({2}, {1, NAN});
  ExpectTensorNear(Variadic("Max", {a, b}), Tensor::FromVector<float>({2}, {NAN, NAN}));
  ExpectTensorNear(Variadic("Min", {a, b}), Tensor::FromVector<float>({2}, {NAN, NAN}));
}

TEST(VariadicTest, Float16SumAccumulatesInFloat) {
  Tensor a = Tensor::FromVector<Float16>({2}, {Float16(1.0f), Float16(2048.0f)});
  Tensor b = Tensor::FromVector<Float16>({2}, {Float16(2.0f), Float16(1.0f)});
  ExpectTensorEq(Variadic("Sum", {a, b, b}),
                 Tensor::FromVector<Float16>({2}, {Float16(5.0f), Float16(2050.0f)}));
  ExpectTensorEq(Variadic("Mean", {a, b}),
                 Tensor::FromVector<Float16>({2}, {Float16(1.5f), Float16(1024.5f)}));
}

TEST(VariadicTest, Errors) {
  OpTest mixed = MakeTest("Sum");
  mixed.inputs = {Tensor::FromVector<float>({1}, {1}), Tensor::FromVector<double>({1}, {1})};
  EXPECT_FALSE(RunOp(mixed).ok());
  OpTest shapes = MakeTest("Max");
  shapes.inputs = {Tensor(DataType::kFloat32, {2}), Tensor(DataType::kFloat32, {3})};
  EXPECT_FALSE(RunOp(shapes).ok());
}

}  // namespace
}  // namespace berth::math
