// Unit tests for the view kernels: Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout.

#include <gtest/gtest.h>

#include "engine/testing/op_tester.h"

namespace berth {
namespace {

using testing::ExpectTensorEq;
using testing::FloatAttr;
using testing::IntAttr;
using testing::IntsAttr;
using testing::OpTest;
using testing::RunOp;

// OpTest for one op type (spelled out so that no aggregate initializer leaves fields implicit).
OpTest Op(std::string op_type) {
  OpTest t;
  t.op_type = std::move(op_type);
  return t;
}

Tensor Iota(Shape shape) {
  std::vector<float> v(static_cast<size_t>(NumElements(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  return Tensor::FromVector<float>(std::move(shape), v);
}

Tensor I64(std::vector<int64_t> v) {
  return Tensor::FromVector<int64_t>({static_cast<int64_t>(v.size())}, v);
}

StatusOr<Tensor> Run1(const OpTest& t) {
  ASSIGN_OR_RETURN(std::vector<Value> out, RunOp(t));
  return out[0].tensor();
}

TEST(ReshapeTest, ZeroCopiesAndMinusOneInfers) {
  OpTest t = Op("Reshape");
  Tensor x = Iota({2, 3, 4});
  t.inputs = {x, I64({0, -1, 2})};
  auto out = Run1(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->shape(), (Shape{2, 6, 2}));
  EXPECT_EQ(out->raw_data(), x.raw_data());  // a view, not a copy
}

TEST(ReshapeTest, AllowZeroKeepsZeroDimension) {
  OpTest t = Op("Reshape");
  t.attributes["allowzero"] = IntAttr(1);
  t.inputs = {Tensor(DataType::kFloat32, {0, 3}), I64({3, 0})};
  auto out = Run1(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->shape(), (Shape{3, 0}));
}

TEST(ReshapeTest, Errors) {
  OpTest t = Op("Reshape");
  t.inputs = {Iota({2, 3}), I64({4, -1})};
  EXPECT_FALSE(Run1(t).ok());
  t.inputs = {Iota({2, 3}), I64({-1, -1})};
  EXPECT_FALSE(Run1(t).ok());
  t.inputs = {Iota({2, 3}), I64({0, 0, 0})};  // copies a dimension the input does not have
  EXPECT_FALSE(Run1(t).ok());
  t.attributes["allowzero"] = IntAttr(1);
  t.inputs = {Iota({0, 3}), I64({0, -1})};
  EXPECT_FALSE(Run1(t).ok());
}

TEST(FlattenTest, AxesIncludingNegativeAndRank) {
  for (auto [axis, expected] : std::vector<std::pair<int64_t, Shape>>{
           {0, {1, 24}}, {1, {2, 12}}, {3, {24, 1}}, {-1, {6, 4}}, {-3, {1, 24}}}) {
    OpTest t = Op("Flatten");
    t.attributes["axis"] = IntAttr(axis);
    t.inputs = {Iota({2, 3, 4})};
    auto out = Run1(t);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(out->shape(), expected) << "axis " << axis;
  }
  OpTest bad = Op("Flatten");
  bad.attributes["axis"] = IntAttr(4);
  bad.inputs = {Iota({2, 3, 4})};
  EXPECT_FALSE(Run1(bad).ok());
}

TEST(SqueezeTest, AxesInputAndAttributeAndDefault) {
  OpTest t = Op("Squeeze");
  t.inputs = {Iota({1, 3, 1, 2}), I64({-2})};
  auto out = Run1(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->shape(), (Shape{1, 3, 2}));

  OpTest old = Op("Squeeze");
  old.opset = 11;
  old.attributes["axes"] = IntsAttr({0});
  old.inputs = {Iota({1, 3, 1, 2})};
  out = Run1(old);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->shape(), (Shape{3, 1, 2}));

  OpTest all = Op("Squeeze");
  all.inputs = {Iota({1, 3, 1, 2})};
  out = Run1(all);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->shape(), (Shape{3, 2}));

  OpTest bad = Op("Squeeze");
  bad.inputs = {Iota({1, 3}), I64({1})};
  EXPECT_FALSE(Run1(bad).ok());
}

TEST(UnsqueezeTest, AxesRefertoOutputRank) {
  OpTest t = Op("Unsqueeze");
  t.inputs = {Iota({3, 4}), I64({-1, 0})};
  auto out = Run1(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->shape(), (Shape{1, 3, 4, 1}));

  OpTest old = Op("Unsqueeze");
  old.opset = 11;
  old.attributes["axes"] = IntsAttr({1, 3});
  old.inputs = {Iota({3, 4})};
  out = Run1(old);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->shape(), (Shape{3, 1, 4, 1}));

  OpTest scalar = Op("Unsqueeze");
  scalar.inputs = {Tensor::Scalar<float>(5), I64({0})};
  out = Run1(scalar);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->shape(), (Shape{1}));

  OpTest dup = Op("Unsqueeze");
  dup.inputs = {Iota({3}), I64({0, 0})};
  EXPECT_FALSE(Run1(dup).ok());
}

TEST(IdentityTest, PassesSequencesThrough) {
  OpTest t = Op("Identity");
  Value seq = Value::Sequence(DataType::kFloat32, {Iota({2}), Iota({3})});
  t.inputs = {seq};
  auto out = RunOp(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_TRUE((*out)[0].is_sequence());
  EXPECT_EQ((*out)[0].sequence().size(), 2u);
}

TEST(DropoutTest, InferenceIsIdentityWithTrueMask) {
  OpTest t = Op("Dropout");
  t.num_outputs = 2;
  t.inputs = {Iota({2, 2}), Tensor::Scalar<float>(0.5f)};
  auto out = RunOp(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEq((*out)[0].tensor(), Iota({2, 2}));
  ExpectTensorEq((*out)[1].tensor(), Tensor::FromVector<bool>({2, 2}, {true, true, true, true}));

  OpTest old = Op("Dropout");  // before opset 10 the mask has the input's type
  old.opset = 7;
  old.num_outputs = 2;
  old.attributes["ratio"] = FloatAttr(0.3f);
  old.inputs = {Iota({2})};
  out = RunOp(old);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEq((*out)[1].tensor(), Tensor::FromVector<float>({2}, {1, 1}));
}

TEST(DropoutTest, TrainingWithSeedMatchesNumpy) {
  // np.random.seed(0); np.random.uniform(0, 1, 4) = [0.5488135, 0.71518937, 0.60276338, 0.54488318]
  OpTest t = Op("Dropout");
  t.num_outputs = 2;
  t.attributes["seed"] = IntAttr(0);
  t.inputs = {Tensor::FromVector<float>({4}, {1, 2, 3, 4}), Tensor::Scalar<float>(0.6f),
              Tensor::Scalar<bool>(true)};
  auto out = RunOp(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEq((*out)[1].tensor(), Tensor::FromVector<bool>({4}, {false, true, true, false}));
  testing::ExpectTensorNear((*out)[0].tensor(), Tensor::FromVector<float>({4}, {0, 5, 7.5f, 0}));
}

}  // namespace
}  // namespace berth
