#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "engine/testing/op_tester.h"

namespace berth::math {
namespace {

using testing::ExpectTensorEq;
using testing::ExpectTensorNear;
using testing::FloatAttr;
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

Tensor Act(const std::string& op, std::vector<float> x,
           std::map<std::string, Attribute> attrs = {}) {
  OpTest t = MakeTest(op);
  t.inputs = {Tensor::FromVector<float>({static_cast<int64_t>(x.size())}, x)};
  t.attributes = std::move(attrs);
  return RunOpOutput(t);
}

Tensor F(std::vector<float> v) {
  return Tensor::FromVector<float>({static_cast<int64_t>(v.size())}, v);
}

TEST(ActivationsTest, ReluFamily) {
  ExpectTensorEq(Act("Relu", {-1, 0, 2}), F({0, 0, 2}));
  OpTest int_relu = MakeTest("Relu");
  int_relu.inputs = {Tensor::FromVector<int8_t>({3}, {-5, 0, 7})};
  ExpectTensorEq(RunOpOutput(int_relu), Tensor::FromVector<int8_t>({3}, {0, 0, 7}));
  ExpectTensorNear(Act("LeakyRelu", {-1, 3}), F({-0.01f, 3}));
  ExpectTensorNear(Act("LeakyRelu", {-2, 3}, {{"alpha", FloatAttr(0.5f)}}), F({-1, 3}));
  ExpectTensorNear(Act("ThresholdedRelu", {0.5f, 1.0f, 2.0f}), F({0, 0, 2}));
  ExpectTensorNear(Act("ThresholdedRelu", {0.5f, 1.0f}, {{"alpha", FloatAttr(0.25f)}}),
                   F({0.5f, 1.0f}));
}

TEST(ActivationsTest, ExponentialFamily) {
  ExpectTensorNear(Act("Elu", {-1, 2}), F({std::expm1(-1.0f), 2}));
  ExpectTensorNear(Act("Elu", {-1}, {{"alpha", FloatAttr(2.0f)}}), F({2 * std::expm1(-1.0f)}));
  const float a = 1.67326319217681884765625f, g = 1.05070102214813232421875f;
  ExpectTensorNear(Act("Selu", {-1, 2}), F({g * a * std::expm1(-1.0f), g * 2}));
  ExpectTensorNear(Act("Selu", {-1, 2}, {{"alpha", FloatAttr(2.0f)}, {"gamma", FloatAttr(3.0f)}}),
                   F({3 * 2 * std::expm1(-1.0f), 6}));
  ExpectTensorNear(Act("Celu", {-1, 2}, {{"alpha", FloatAttr(2.0f)}}),
                   F({2 * std::expm1(-0.5f), 2}));
}

TEST(ActivationsTest, SigmoidFamilyIsStableForLargeInputs) {
  ExpectTensorNear(Act("Sigmoid", {0, -100, 100, 1}),
                   F({0.5f, std::exp(-100.0f), 1.0f, 1 / (1 + std::exp(-1.0f))}));
  ExpectTensorNear(Act("Softplus", {0, 100, -100}), F({std::log(2.0f), 100, std::exp(-100.0f)}));
  ExpectTensorNear(Act("HardSigmoid", {-10, 0, 10, 1}), F({0, 0.5f, 1, 0.7f}));
  ExpectTensorNear(Act("HardSigmoid", {1}, {{"alpha", FloatAttr(0.5f)}, {"beta", FloatAttr(0.1f)}}),
                   F({0.6f}));
  ExpectTensorNear(Act("HardSwish", {-4, 0, 1, 4}), F({0, 0, 1 * (1.0f / 6 + 0.5f), 4}));
  ExpectTensorNear(Act("Softsign", {-1, 3}), F({-0.5f, 0.75f}));
  ExpectTensorNear(Act("Tanh", {0.5f}), F({std::tanh(0.5f)}));
  ExpectTensorNear(Act("Mish", {1, -1}), F({std::tanh(std::log1p(std::exp(1.0f))),
                                            -std::tanh(std::log1p(std::exp(-1.0f)))}));
}

TEST(ActivationsTest, Gelu) {
  ExpectTensorNear(Act("Gelu", {1, -1}), F({0.841344746f, -0.158655254f}));
  ExpectTensorNear(Act("Gelu", {1}, {{"approximate", StringAttr("tanh")}}), F({0.841191990f}));
  OpTest bad = MakeTest("Gelu");
  bad.inputs = {F({1})};
  bad.attributes["approximate"] = StringAttr("erf");
  EXPECT_FALSE(RunOp(bad).ok());
}

TEST(ActivationsTest, Shrink) {
  ExpectTensorNear(Act("Shrink", {-2, -0.25f, 0.25f, 2}), F({-2, 0, 0, 2}));
  ExpectTensorNear(
      Act("Shrink", {-2, 0.5f, 2}, {{"lambd", FloatAttr(1.0f)}, {"bias", FloatAttr(1.0f)}}),
      F({-1, 0, 1}));
  OpTest ints = MakeTest("Shrink");
  ints.inputs = {Tensor::FromVector<int32_t>({3}, {-5, 0, 5})};
  ints.attributes["lambd"] = FloatAttr(1.5f);
  ints.attributes["bias"] = FloatAttr(1.5f);
  ExpectTensorEq(RunOpOutput(ints), Tensor::FromVector<int32_t>({3}, {-3, 0, 3}));
}

TEST(ActivationsTest, PReluBroadcastsSlope) {
  OpTest t = MakeTest("PRelu");
  t.inputs = {Tensor::FromVector<float>({2, 2, 2}, {-1, 1, -2, 2, -3, 3, -4, 4}),
              Tensor::FromVector<float>({2, 1}, {0.5f, 0.25f})};
  ExpectTensorNear(RunOpOutput(t),
                   Tensor::FromVector<float>({2, 2, 2}, {-0.5f, 1, -0.5f, 2, -1.5f, 3, -1, 4}));
}

TEST(ActivationsTest, PReluOpset6SlopePerChannel) {
  OpTest t = MakeTest("PRelu");
  t.opset = 6;
  t.inputs = {Tensor::FromVector<float>({1, 2, 2}, {-1, 1, -2, 2}),
              Tensor::FromVector<float>({2}, {0.5f, 0.25f})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({1, 2, 2}, {-0.5f, 1, -0.5f, 2}));
}

TEST(ActivationsTest, Float16AndDouble) {
  OpTest t = MakeTest("Sigmoid");
  t.inputs = {Tensor::FromVector<Float16>({2}, {Float16(0.0f), Float16(2.0f)})};
  ExpectTensorNear(RunOpOutput(t),
                   Tensor::FromVector<Float16>({2}, {Float16(0.5f), Float16(0.880797f)}), 1e-3,
                   1e-3);
  OpTest d = MakeTest("Elu");
  d.inputs = {Tensor::FromVector<double>({1}, {-1.0})};
  ExpectTensorNear(RunOpOutput(d), Tensor::FromVector<double>({1}, {std::expm1(-1.0)}));
}

}  // namespace
}  // namespace berth::math
