// Unit tests for Cast/CastLike, Shape, Size and the creation kernels (Constant, ConstantOfShape,
// Range, EyeLike).

#include <gtest/gtest.h>

#include <cmath>

#include "engine/testing/op_tester.h"

namespace berth {
namespace {

using testing::ExpectTensorEq;
using testing::ExpectTensorNear;
using testing::FloatAttr;
using testing::FloatsAttr;
using testing::IntAttr;
using testing::IntsAttr;
using testing::OpTest;
using testing::RunOp;
using testing::StringsAttr;
using testing::TensorAttr;

// OpTest for one op type (spelled out so that no aggregate initializer leaves fields implicit).
OpTest Op(std::string op_type) {
  OpTest t;
  t.op_type = std::move(op_type);
  return t;
}

Tensor F(Shape shape, std::vector<float> v) {
  return Tensor::FromVector<float>(std::move(shape), v);
}
Tensor I64(std::vector<int64_t> v) {
  return Tensor::FromVector<int64_t>({static_cast<int64_t>(v.size())}, v);
}
Tensor S(std::vector<std::string> v) {
  return Tensor::FromVector<std::string>({static_cast<int64_t>(v.size())}, v);
}

StatusOr<Tensor> Run1(const OpTest& t) {
  ASSIGN_OR_RETURN(std::vector<Value> out, RunOp(t));
  return out[0].tensor();
}

StatusOr<Tensor> Cast(const Tensor& x, DataType to) {
  OpTest t = Op("Cast");
  t.attributes["to"] = IntAttr(static_cast<int64_t>(to));
  t.inputs = {x};
  return Run1(t);
}

void ExpectCast(const Tensor& x, DataType to, const Tensor& expected) {
  auto out = Cast(x, to);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEq(*out, expected);
}

TEST(CastTest, NumericConversions) {
  ExpectCast(F({4}, {1.9f, -1.9f, 0, NAN}), DataType::kInt32,
             Tensor::FromVector<int32_t>({4}, {1, -1, 0, 0}));
  ExpectCast(F({3}, {0, 0.5f, NAN}), DataType::kBool,
             Tensor::FromVector<bool>({3}, {false, true, true}));
  ExpectCast(Tensor::FromVector<int32_t>({2}, {300, -1}), DataType::kUint8,
             Tensor::FromVector<uint8_t>({2}, {44, 255}));
  ExpectCast(Tensor::FromVector<bool>({2}, {true, false}), DataType::kFloat32, F({2}, {1, 0}));
  ExpectCast(F({1}, {1e30f}), DataType::kInt64, Tensor::FromVector<int64_t>({1}, {INT64_MIN}));
  auto half = Cast(F({2}, {1.5f, 65504.f}), DataType::kFloat16);
  ASSERT_TRUE(half.ok()) << half.status().ToString();
  EXPECT_EQ(half->data<Float16>()[0].bits, 0x3e00);
  EXPECT_EQ(half->data<Float16>()[1].bits, 0x7bff);
  ExpectCast(*half, DataType::kFloat64, Tensor::FromVector<double>({2}, {1.5, 65504}));
  auto bf = Cast(F({1}, {1.00390625f}), DataType::kBFloat16);  // halfway: rounds to even (1.0)
  ASSERT_TRUE(bf.ok());
  EXPECT_EQ(bf->data<BFloat16>()[0].bits, 0x3f80);
}

TEST(CastTest, StringFormattingAndParsing) {
  ExpectCast(F({6}, {0.1f, 1e-5f, 100.5f, NAN, INFINITY, -INFINITY}), DataType::kString,
             S({"0.1", "1e-05", "100.5", "NaN", "INF", "-INF"}));
  ExpectCast(Tensor::FromVector<int64_t>({2}, {-42, 7}), DataType::kString, S({"-42", "7"}));
  ExpectCast(Tensor::FromVector<bool>({2}, {true, false}), DataType::kString, S({"1", "0"}));
  auto half = Cast(F({1}, {0.1f}), DataType::kFloat16);
  ASSERT_TRUE(half.ok());
  ExpectCast(*half, DataType::kString, S({"0.1"}));

  auto f = Cast(S({"3.14", " 1E8", "+INF", "-inf", "nan", "1e-5"}), DataType::kFloat32);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const float* v = f->data<float>();
  EXPECT_FLOAT_EQ(v[0], 3.14f);
  EXPECT_FLOAT_EQ(v[1], 1e8f);
  EXPECT_TRUE(std::isinf(v[2]) && v[2] > 0);
  EXPECT_TRUE(std::isinf(v[3]) && v[3] < 0);
  EXPECT_TRUE(std::isnan(v[4]));
  EXPECT_FLOAT_EQ(v[5], 1e-5f);
  ExpectCast(S({"1000", "-3", "100.5"}), DataType::kInt32,
             Tensor::FromVector<int32_t>({3}, {1000, -3, 100}));
  ExpectCast(S({"true", "False", "0", "2"}), DataType::kBool,
             Tensor::FromVector<bool>({4}, {true, false, false, true}));
  EXPECT_FALSE(Cast(S({"hello"}), DataType::kFloat32).ok());
}

TEST(CastTest, CastLikeTakesTheSecondInputsType) {
  OpTest t = Op("CastLike");
  t.inputs = {F({2}, {1.5f, -2}), Tensor::FromVector<int64_t>({0}, {})};
  auto out = Run1(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEq(*out, Tensor::FromVector<int64_t>({2}, {1, -2}));
}

TEST(ShapeTest, StartAndEnd) {
  Tensor x(DataType::kFloat32, {2, 3, 4, 5});
  OpTest t = Op("Shape");
  t.inputs = {x};
  ExpectTensorEq(*Run1(t), I64({2, 3, 4, 5}));
  t.attributes["start"] = IntAttr(-3);
  t.attributes["end"] = IntAttr(-1);
  ExpectTensorEq(*Run1(t), I64({3, 4}));
  t.attributes["start"] = IntAttr(10);
  ExpectTensorEq(*Run1(t), I64({}));
  OpTest size = Op("Size");
  size.inputs = {x};
  ExpectTensorEq(*Run1(size), Tensor::Scalar<int64_t>(120));
}

TEST(ConstantTest, ValueAttributes) {
  OpTest t = Op("Constant");
  t.num_outputs = 1;
  t.attributes["value"] = TensorAttr(F({2}, {1, 2}));
  ExpectTensorEq(*Run1(t), F({2}, {1, 2}));
  OpTest f = Op("Constant");
  f.attributes["value_floats"] = FloatsAttr({0.5f});
  ExpectTensorEq(*Run1(f), F({1}, {0.5f}));
  OpTest i = Op("Constant");
  i.attributes["value_int"] = IntAttr(3);
  ExpectTensorEq(*Run1(i), Tensor::Scalar<int64_t>(3));
  OpTest s = Op("Constant");
  s.attributes["value_strings"] = StringsAttr({"a", "b"});
  ExpectTensorEq(*Run1(s), S({"a", "b"}));
  OpTest two = Op("Constant");
  two.attributes["value_int"] = IntAttr(3);
  two.attributes["value_float"] = FloatAttr(3);
  EXPECT_FALSE(Run1(two).ok());
}

TEST(ConstantOfShapeTest, DefaultAndTypedValue) {
  OpTest t = Op("ConstantOfShape");
  t.inputs = {I64({2, 1})};
  ExpectTensorEq(*Run1(t), F({2, 1}, {0, 0}));
  t.attributes["value"] = TensorAttr(Tensor::FromVector<int32_t>({1}, {7}));
  ExpectTensorEq(*Run1(t), Tensor::FromVector<int32_t>({2, 1}, {7, 7}));
  t.inputs = {I64({})};
  ExpectTensorEq(*Run1(t), Tensor::Scalar<int32_t>(7));
  t.inputs = {I64({0, 3})};
  ExpectTensorEq(*Run1(t), Tensor::FromVector<int32_t>({0, 3}, {}));
  t.inputs = {I64({-1})};
  EXPECT_FALSE(Run1(t).ok());
}

TEST(RangeTest, IntegerAndFloat) {
  OpTest t = Op("Range");
  t.inputs = {Tensor::Scalar<int32_t>(10), Tensor::Scalar<int32_t>(4), Tensor::Scalar<int32_t>(-3)};
  ExpectTensorEq(*Run1(t), Tensor::FromVector<int32_t>({2}, {10, 7}));
  t.inputs = {Tensor::Scalar<float>(1), Tensor::Scalar<float>(2), Tensor::Scalar<float>(0.3f)};
  ExpectTensorNear(*Run1(t), F({4}, {1, 1.3f, 1.6f, 1.9f}));
  t.inputs = {Tensor::Scalar<int64_t>(5), Tensor::Scalar<int64_t>(1), Tensor::Scalar<int64_t>(1)};
  ExpectTensorEq(*Run1(t), Tensor::FromVector<int64_t>({0}, {}));
  t.inputs = {Tensor::Scalar<int64_t>(0), Tensor::Scalar<int64_t>(1), Tensor::Scalar<int64_t>(0)};
  EXPECT_FALSE(Run1(t).ok());
}

TEST(EyeLikeTest, OffDiagonalAndDtype) {
  OpTest t = Op("EyeLike");
  t.attributes["k"] = IntAttr(1);
  t.inputs = {F({2, 3}, {9, 9, 9, 9, 9, 9})};
  ExpectTensorEq(*Run1(t), F({2, 3}, {0, 1, 0, 0, 0, 1}));
  t.attributes["k"] = IntAttr(-1);
  t.attributes["dtype"] = IntAttr(static_cast<int64_t>(DataType::kInt32));
  ExpectTensorEq(*Run1(t), Tensor::FromVector<int32_t>({2, 3}, {0, 0, 0, 1, 0, 0}));
  t.attributes["k"] = IntAttr(INT64_MIN);
  ExpectTensorEq(*Run1(t), Tensor::FromVector<int32_t>({2, 3}, {0, 0, 0, 0, 0, 0}));
}

TEST(CreationRobustnessTest, HugeShapesAreErrorsNotCrashes) {
  OpTest c = Op("ConstantOfShape");
  c.inputs = {I64({int64_t{1} << 40, int64_t{1} << 40})};
  EXPECT_FALSE(Run1(c).ok());
  OpTest r = Op("Range");
  r.inputs = {Tensor::Scalar<int64_t>(INT64_MIN), Tensor::Scalar<int64_t>(INT64_MAX),
              Tensor::Scalar<int64_t>(1)};
  EXPECT_FALSE(Run1(r).ok());
  r.inputs = {Tensor::Scalar<float>(0), Tensor::Scalar<float>(INFINITY), Tensor::Scalar<float>(1)};
  EXPECT_FALSE(Run1(r).ok());
  OpTest one_hot = Op("OneHot");
  one_hot.inputs = {Tensor::FromVector<int64_t>({1 << 20}, {}), Tensor::Scalar<float>(1e14f),
                    F({2}, {0, 1})};
  EXPECT_FALSE(Run1(one_hot).ok());
}

}  // namespace
}  // namespace berth
