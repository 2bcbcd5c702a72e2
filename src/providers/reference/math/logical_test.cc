#include <gtest/gtest.h>

#include "engine/testing/op_tester.h"

namespace berth::math {
namespace {

using testing::ExpectTensorEq;
using testing::OpTest;
using testing::RunOp;
using testing::RunOpOutput;

// An OpTest for `op_type` at the default opset.
OpTest MakeTest(std::string op_type) {
  OpTest t;
  t.op_type = std::move(op_type);
  return t;
}
using testing::StringAttr;

Tensor Binary(const std::string& op, Tensor a, Tensor b) {
  OpTest t = MakeTest(op);
  t.inputs = {a, b};
  return RunOpOutput(t);
}

TEST(LogicalTest, BoolOpsBroadcast) {
  Tensor a = Tensor::FromVector<bool>({2, 2}, {false, false, true, true});
  Tensor b = Tensor::FromVector<bool>({2}, {false, true});
  ExpectTensorEq(Binary("And", a, b), Tensor::FromVector<bool>({2, 2}, {0, 0, 0, 1}));
  ExpectTensorEq(Binary("Or", a, b), Tensor::FromVector<bool>({2, 2}, {0, 1, 1, 1}));
  ExpectTensorEq(Binary("Xor", a, b), Tensor::FromVector<bool>({2, 2}, {0, 1, 1, 0}));
  OpTest n = MakeTest("Not");
  n.inputs = {b};
  ExpectTensorEq(RunOpOutput(n), Tensor::FromVector<bool>({2}, {true, false}));
  OpTest wrong = MakeTest("And");
  wrong.inputs = {Tensor::FromVector<int32_t>({1}, {1}), Tensor::FromVector<int32_t>({1}, {1})};
  EXPECT_FALSE(RunOp(wrong).ok());
}

TEST(LogicalTest, BitwiseOps) {
  Tensor a = Tensor::FromVector<int32_t>({3}, {0b1100, -1, 5});
  Tensor b = Tensor::FromVector<int32_t>({3}, {0b1010, 7, 0});
  ExpectTensorEq(Binary("BitwiseAnd", a, b), Tensor::FromVector<int32_t>({3}, {0b1000, 7, 0}));
  ExpectTensorEq(Binary("BitwiseOr", a, b), Tensor::FromVector<int32_t>({3}, {0b1110, -1, 5}));
  ExpectTensorEq(Binary("BitwiseXor", a, b), Tensor::FromVector<int32_t>({3}, {0b0110, -8, 5}));
  OpTest n = MakeTest("BitwiseNot");
  n.inputs = {Tensor::FromVector<uint8_t>({2}, {0, 0x0f})};
  ExpectTensorEq(RunOpOutput(n), Tensor::FromVector<uint8_t>({2}, {0xff, 0xf0}));
}

TEST(LogicalTest, BitShift) {
  OpTest left = MakeTest("BitShift");
  left.inputs = {Tensor::FromVector<uint8_t>({3}, {16, 4, 1}),
                 Tensor::FromVector<uint8_t>({3}, {1, 2, 8})};
  left.attributes["direction"] = StringAttr("LEFT");
  ExpectTensorEq(RunOpOutput(left), Tensor::FromVector<uint8_t>({3}, {32, 16, 0}));
  OpTest right = MakeTest("BitShift");
  right.inputs = {Tensor::FromVector<uint64_t>({2}, {16, 1ull << 63}), Tensor::Scalar<uint64_t>(2)};
  right.attributes["direction"] = StringAttr("RIGHT");
  ExpectTensorEq(RunOpOutput(right), Tensor::FromVector<uint64_t>({2}, {4, 1ull << 61}));
  OpTest bad = MakeTest("BitShift");
  bad.inputs = left.inputs;
  bad.attributes["direction"] = StringAttr("UP");
  EXPECT_FALSE(RunOp(bad).ok());
}

}  // namespace
}  // namespace berth::math
