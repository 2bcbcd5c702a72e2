// Unit tests of NonMaxSuppression and the random generators (RandomUniform(Like),
// RandomNormal(Like), Bernoulli, Multinomial). Random outputs are checked for shape, type, range
// and seed reproducibility.

#include <gtest/gtest.h>

#include <cmath>

#include "engine/testing/op_tester.h"

namespace berth {
namespace {

using testing::ExpectTensorEq;
using testing::FloatAttr;
using testing::IntAttr;
using testing::IntsAttr;
using testing::OpTest;
using testing::RunOp;
using testing::RunOpOutput;

Tensor SixBoxes() {
  return Tensor::FromVector<float>({1, 6, 4}, {0, 0,  1, 1,  0, 0.1f,  1, 1.1f,  0, -0.1f, 1, 0.9f,
                                               0, 10, 1, 11, 0, 10.1f, 1, 11.1f, 0, 100,   1, 101});
}
Tensor SixScores() {
  return Tensor::FromVector<float>({1, 1, 6}, {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f});
}

TEST(NonMaxSuppressionTest, SuppressByIou) {
  OpTest t = OpTest("NonMaxSuppression");
  t.inputs = {SixBoxes(), SixScores(), Tensor::FromVector<int64_t>({1}, {3}),
              Tensor::FromVector<float>({1}, {0.5f}), Tensor::FromVector<float>({1}, {0.0f})};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int64_t>({3, 3}, {0, 0, 3, 0, 0, 0, 0, 0, 5}));
}

TEST(NonMaxSuppressionTest, ScoreThresholdAndCenterFormat) {
  OpTest t = OpTest("NonMaxSuppression");
  t.attributes["center_point_box"] = IntAttr(1);
  // The same boxes as [xc, yc, w, h].
  t.inputs = {Tensor::FromVector<float>({1, 6, 4},
                                        {0.5f, 0.5f,  1, 1, 0.5f, 0.6f,  1, 1, 0.5f, 0.4f,   1, 1,
                                         0.5f, 10.5f, 1, 1, 0.5f, 10.6f, 1, 1, 0.5f, 100.5f, 1, 1}),
              SixScores(), Tensor::FromVector<int64_t>({1}, {3}),
              Tensor::FromVector<float>({1}, {0.5f}), Tensor::FromVector<float>({1}, {0.4f})};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int64_t>({2, 3}, {0, 0, 3, 0, 0, 0}));
}

TEST(NonMaxSuppressionTest, MissingOptionalInputsSelectNothing) {
  OpTest t = OpTest("NonMaxSuppression");
  t.inputs = {SixBoxes(), SixScores()};
  EXPECT_EQ(RunOpOutput(t).shape(), (Shape{0, 3}));
}

TEST(NonMaxSuppressionTest, ShapeMismatchIsAnError) {
  OpTest t = OpTest("NonMaxSuppression");
  t.inputs = {SixBoxes(), Tensor::FromVector<float>({1, 1, 5}, {1, 1, 1, 1, 1})};
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(RandomTest, UniformShapeRangeAndSeed) {
  OpTest t = OpTest("RandomUniform");
  t.attributes["shape"] = IntsAttr({3, 4});
  t.attributes["low"] = FloatAttr(2);
  t.attributes["high"] = FloatAttr(3);
  t.attributes["seed"] = FloatAttr(7);
  Tensor a = RunOpOutput(t);
  ASSERT_EQ(a.shape(), (Shape{3, 4}));
  ASSERT_EQ(a.dtype(), DataType::kFloat32);
  for (int64_t i = 0; i < a.numel(); ++i) {
    EXPECT_GE(a.data<float>()[i], 2.0f);
    EXPECT_LE(a.data<float>()[i], 3.0f);
  }
  ExpectTensorEq(RunOpOutput(t), a);  // seeded: reproducible
}

TEST(RandomTest, LikeVariantsTakeShapeAndType) {
  OpTest u = OpTest("RandomUniformLike");
  u.inputs = {Tensor(DataType::kFloat64, {2, 5})};
  Tensor a = RunOpOutput(u);
  EXPECT_EQ(a.shape(), (Shape{2, 5}));
  EXPECT_EQ(a.dtype(), DataType::kFloat64);

  OpTest n = OpTest("RandomNormalLike");
  n.attributes["dtype"] = IntAttr(static_cast<int64_t>(DataType::kFloat16));
  n.inputs = {Tensor(DataType::kInt32, {7})};
  Tensor b = RunOpOutput(n);
  EXPECT_EQ(b.shape(), (Shape{7}));
  EXPECT_EQ(b.dtype(), DataType::kFloat16);

  OpTest bad = OpTest("RandomUniformLike");  // int input without dtype: no float type to produce
  bad.inputs = {Tensor(DataType::kInt32, {2})};
  EXPECT_FALSE(RunOp(bad).ok());
}

TEST(RandomTest, NormalMoments) {
  OpTest t = OpTest("RandomNormal");
  t.attributes["shape"] = IntsAttr({10000});
  t.attributes["mean"] = FloatAttr(5);
  t.attributes["scale"] = FloatAttr(2);
  t.attributes["seed"] = FloatAttr(1);
  Tensor a = RunOpOutput(t);
  double sum = 0, sq = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    sum += a.data<float>()[i];
    sq += a.data<float>()[i] * a.data<float>()[i];
  }
  const double mean = sum / a.numel();
  EXPECT_NEAR(mean, 5.0, 0.1);
  EXPECT_NEAR(std::sqrt(sq / a.numel() - mean * mean), 2.0, 0.1);
}

TEST(RandomTest, BernoulliExtremesAndDtype) {
  OpTest t = OpTest("Bernoulli");
  t.attributes["dtype"] = IntAttr(static_cast<int64_t>(DataType::kBool));
  t.inputs = {Tensor::FromVector<float>({4}, {0, 1, 0, 1})};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<bool>({4}, {false, true, false, true}));
  OpTest d = OpTest("Bernoulli");
  d.inputs = {Tensor::FromVector<double>({2}, {1, 0})};
  ExpectTensorEq(RunOpOutput(d), Tensor::FromVector<double>({2}, {1, 0}));
}

TEST(RandomTest, MultinomialPicksTheOnlyLikelyClass) {
  OpTest t = OpTest("Multinomial");
  t.attributes["sample_size"] = IntAttr(5);
  t.inputs = {Tensor::FromVector<float>({2, 3}, {-1000, 0, -1000, 0, -1000, -1000})};
  ExpectTensorEq(RunOpOutput(t),
                 Tensor::FromVector<int32_t>({2, 5}, {1, 1, 1, 1, 1, 0, 0, 0, 0, 0}));
  t.attributes["dtype"] = IntAttr(static_cast<int64_t>(DataType::kInt64));
  EXPECT_EQ(RunOpOutput(t).dtype(), DataType::kInt64);
}

}  // namespace
}  // namespace berth
