// Unit tests for the indexing kernels: Gather, GatherElements, GatherND, ScatterElements/Scatter,
// ScatterND, NonZero, Compress, Unique, OneHot.

#include <gtest/gtest.h>

#include <cmath>

#include "engine/testing/op_tester.h"

namespace berth {
namespace {

using testing::ExpectTensorEq;
using testing::IntAttr;
using testing::OpTest;
using testing::RunOp;
using testing::StringAttr;

// OpTest for one op type (spelled out so that no aggregate initializer leaves fields implicit).
OpTest Op(std::string op_type) {
  OpTest t;
  t.op_type = std::move(op_type);
  return t;
}

Tensor F(Shape shape, std::vector<float> v) {
  return Tensor::FromVector<float>(std::move(shape), v);
}
Tensor I64(Shape shape, std::vector<int64_t> v) {
  return Tensor::FromVector<int64_t>(std::move(shape), v);
}
Tensor I64(std::vector<int64_t> v) { return I64({static_cast<int64_t>(v.size())}, v); }
Tensor Iota(Shape shape) {
  std::vector<float> v(static_cast<size_t>(NumElements(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  return F(std::move(shape), v);
}

StatusOr<Tensor> Run1(const OpTest& t) {
  ASSIGN_OR_RETURN(std::vector<Value> out, RunOp(t));
  return out[0].tensor();
}

void ExpectRun(const OpTest& t, const Tensor& expected) {
  auto out = Run1(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEq(*out, expected);
}

TEST(GatherTest, AxisNegativeIndicesAndErrors) {
  OpTest t = Op("Gather");
  t.attributes["axis"] = IntAttr(-1);
  t.inputs = {Iota({2, 3}), Tensor::FromVector<int32_t>({2, 1}, {-1, 0})};
  ExpectRun(t, F({2, 2, 1}, {2, 0, 5, 3}));
  OpTest scalar = Op("Gather");
  scalar.inputs = {Iota({3, 2}), Tensor::Scalar<int64_t>(1)};
  ExpectRun(scalar, F({2}, {2, 3}));
  OpTest bad = Op("Gather");
  bad.inputs = {Iota({3}), I64({3})};
  EXPECT_FALSE(Run1(bad).ok());
}

TEST(GatherElementsTest, Axis1WithNegativeIndex) {
  OpTest t = Op("GatherElements");
  t.attributes["axis"] = IntAttr(1);
  t.inputs = {F({2, 2}, {1, 2, 3, 4}), I64({2, 2}, {0, 0, -1, 0})};
  ExpectRun(t, F({2, 2}, {1, 1, 4, 3}));
  t.inputs = {F({2, 2}, {1, 2, 3, 4}), I64({2, 2}, {0, 0, 2, 0})};
  EXPECT_FALSE(Run1(t).ok());
}

TEST(GatherNDTest, BatchDims) {
  OpTest t = Op("GatherND");
  t.inputs = {Iota({2, 2}), I64({2, 2}, {0, 0, 1, 1})};
  ExpectRun(t, F({2}, {0, 3}));
  OpTest slices = Op("GatherND");
  slices.inputs = {Iota({2, 2}), I64({2, 1}, {1, 0})};
  ExpectRun(slices, F({2, 2}, {2, 3, 0, 1}));
  OpTest batch = Op("GatherND");
  batch.attributes["batch_dims"] = IntAttr(1);
  batch.inputs = {Iota({2, 2, 2}), I64({2, 1}, {1, 0})};
  ExpectRun(batch, F({2, 2}, {2, 3, 4, 5}));
}

TEST(ScatterElementsTest, ReductionsAndDeprecatedScatter) {
  OpTest t = Op("ScatterElements");
  t.attributes["axis"] = IntAttr(1);
  t.attributes["reduction"] = StringAttr("add");
  t.inputs = {F({1, 3}, {1, 2, 3}), I64({1, 2}, {1, 1}), F({1, 2}, {10, 20})};
  ExpectRun(t, F({1, 3}, {1, 32, 3}));
  t.attributes["reduction"] = StringAttr("max");
  t.inputs = {F({1, 3}, {1, 2, 3}), I64({1, 2}, {-1, 0}), F({1, 2}, {0, 5})};
  ExpectRun(t, F({1, 3}, {5, 2, 3}));
  OpTest old = Op("Scatter");
  old.opset = 9;
  old.inputs = {F({3, 1}, {0, 0, 0}), I64({2, 1}, {2, 0}), F({2, 1}, {7, 8})};
  ExpectRun(old, F({3, 1}, {8, 0, 7}));
  OpTest strings = Op("ScatterElements");
  strings.inputs = {Tensor::FromVector<std::string>({2}, {"a", "b"}), I64({1}, {1}),
                    Tensor::FromVector<std::string>({1}, {"z"})};
  ExpectRun(strings, Tensor::FromVector<std::string>({2}, {"a", "z"}));
}

TEST(ScatterNDTest, SlicesAndMul) {
  OpTest t = Op("ScatterND");
  t.inputs = {Iota({2, 2}), I64({1, 1}, {1}), F({1, 2}, {9, 9})};
  ExpectRun(t, F({2, 2}, {0, 1, 9, 9}));
  t.attributes["reduction"] = StringAttr("mul");
  t.inputs = {F({3}, {1, 2, 3}), I64({2, 1}, {2, 2}), F({2}, {2, 5})};
  ExpectRun(t, F({3}, {1, 2, 30}));
  t.inputs = {F({3}, {1, 2, 3}), I64({1, 1}, {3}), F({1}, {2})};
  EXPECT_FALSE(Run1(t).ok());
}

TEST(NonZeroTest, CoordinatesInRowMajorOrder) {
  OpTest t = Op("NonZero");
  t.inputs = {Tensor::FromVector<int32_t>({2, 2}, {1, 0, 0, 3})};
  ExpectRun(t, I64({2, 2}, {0, 1, 0, 1}));
  t.inputs = {Tensor(DataType::kBool, {0, 3})};
  ExpectRun(t, I64({2, 0}, {}));
}

TEST(CompressTest, AxisAndFlattened) {
  OpTest t = Op("Compress");
  t.attributes["axis"] = IntAttr(-1);
  t.inputs = {Iota({2, 3}), Tensor::FromVector<bool>({2}, {false, true})};
  ExpectRun(t, F({2, 1}, {1, 4}));
  OpTest flat = Op("Compress");
  flat.inputs = {Iota({2, 2}), Tensor::FromVector<bool>({5}, {true, false, false, true, false})};
  ExpectRun(flat, F({2}, {0, 3}));
  flat.inputs = {Iota({2, 2}), Tensor::FromVector<bool>({5}, {true, false, false, true, true})};
  EXPECT_FALSE(Run1(flat).ok());
}

TEST(UniqueTest, SortedUnsortedAndAxis) {
  OpTest t = Op("Unique");
  t.num_outputs = 4;
  t.attributes["sorted"] = IntAttr(0);
  t.inputs = {F({6}, {2, 1, 1, 3, 4, 3})};
  auto out = RunOp(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEq((*out)[0].tensor(), F({4}, {2, 1, 3, 4}));
  ExpectTensorEq((*out)[1].tensor(), I64({0, 1, 3, 4}));
  ExpectTensorEq((*out)[2].tensor(), I64({0, 1, 1, 2, 3, 2}));
  ExpectTensorEq((*out)[3].tensor(), I64({1, 2, 2, 1}));

  t.attributes["sorted"] = IntAttr(1);
  out = RunOp(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEq((*out)[0].tensor(), F({4}, {1, 2, 3, 4}));
  ExpectTensorEq((*out)[1].tensor(), I64({1, 0, 3, 4}));
  ExpectTensorEq((*out)[2].tensor(), I64({1, 0, 0, 2, 3, 2}));

  OpTest axis = Op("Unique");
  axis.num_outputs = 4;
  axis.attributes["axis"] = IntAttr(0);
  axis.inputs = {F({3, 2}, {1, 0, 0, 1, 1, 0})};
  out = RunOp(axis);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEq((*out)[0].tensor(), F({2, 2}, {0, 1, 1, 0}));
  ExpectTensorEq((*out)[2].tensor(), I64({1, 0, 1}));
  ExpectTensorEq((*out)[3].tensor(), I64({1, 2}));

  OpTest nan = Op("Unique");  // NaNs collapse into one entry after the numbers
  nan.inputs = {F({3}, {NAN, 1, NAN})};
  auto y = Run1(nan);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_EQ(y->numel(), 2);
  EXPECT_EQ(y->data<float>()[0], 1);
  EXPECT_TRUE(std::isnan(y->data<float>()[1]));

  OpTest strings = Op("Unique");
  strings.inputs = {Tensor::FromVector<std::string>({3}, {"b", "a", "b"})};
  ExpectRun(strings, Tensor::FromVector<std::string>({2}, {"a", "b"}));
}

TEST(OneHotTest, AxisAndNegativeIndices) {
  OpTest t = Op("OneHot");
  t.inputs = {I64({3}, {0, -1, 5}), Tensor::Scalar<float>(3), F({2}, {0, 1})};
  ExpectRun(t, F({3, 3}, {1, 0, 0, 0, 0, 1, 0, 0, 0}));
  t.attributes["axis"] = IntAttr(0);
  t.inputs = {Tensor::FromVector<float>({2}, {1.7f, 0}), I64({1}, {2}),
              Tensor::FromVector<int32_t>({2}, {-1, 7})};
  ExpectRun(t, Tensor::FromVector<int32_t>({2, 2}, {-1, 7, 7, -1}));
  t.inputs = {I64({1}, {0}), Tensor::Scalar<int64_t>(0), F({2}, {0, 1})};
  EXPECT_FALSE(Run1(t).ok());
}

}  // namespace
}  // namespace berth
