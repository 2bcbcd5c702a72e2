// BatchNormalization, InstanceNormalization, LayerNormalization, GroupNormalization, LRN and
// MeanVarianceNormalization.

#include <gtest/gtest.h>

#include <cmath>

#include "engine/testing/op_tester.h"

namespace berth::nn {
namespace {

using testing::ExpectTensorNear;
using testing::FloatAttr;
using testing::IntAttr;
using testing::IntsAttr;
using testing::OpTest;
using testing::RunOp;
using testing::RunOpOutputs;

// An OpTest for `op_type` at the default opset (spelled out to keep -Wextra quiet).
OpTest Op(const char* op_type) {
  OpTest t;
  t.op_type = op_type;
  return t;
}

Tensor F(Shape s, std::vector<float> v) { return Tensor::FromVector<float>(std::move(s), v); }

TEST(BatchNormTest, InferencePerChannel) {
  OpTest t = Op("BatchNormalization");
  t.opset = 15;
  t.attributes["epsilon"] = FloatAttr(0);
  t.inputs = {F({1, 2, 1, 2}, {1, 2, 3, 4}), F({2}, {1, 2}), F({2}, {0, 1}), F({2}, {1, 3}),
              F({2}, {4, 1})};
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(), F({1, 2, 1, 2}, {0, 0.5f, 1, 3}));
  // Opset 15: parameters may be double while X is float.
  t.inputs = {F({1, 2, 1, 2}, {1, 2, 3, 4}), Tensor::FromVector<double>({2}, {1, 2}),
              Tensor::FromVector<double>({2}, {0, 1}), F({2}, {1, 3}), F({2}, {4, 1})};
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(), F({1, 2, 1, 2}, {0, 0.5f, 1, 3}));
  t.inputs = {F({1, 2, 1, 2}, {1, 2, 3, 4}), F({3}, {1, 2, 3}), F({2}, {0, 1}), F({2}, {1, 3}),
              F({2}, {4, 1})};
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(BatchNormTest, TrainingModeUpdatesRunningStatistics) {
  OpTest t = Op("BatchNormalization");
  t.opset = 15;
  t.num_outputs = 3;
  t.attributes["epsilon"] = FloatAttr(0);
  t.attributes["training_mode"] = IntAttr(1);
  // One channel, values 1,3,5,7: batch mean 4, biased variance 5.
  t.inputs = {F({2, 1, 2}, {1, 3, 5, 7}), F({1}, {1}), F({1}, {0}), F({1}, {0}), F({1}, {1})};
  auto out = RunOpOutputs(t);
  const float s = std::sqrt(5.0f);
  ExpectTensorNear(out[0].tensor(), F({2, 1, 2}, {-3 / s, -1 / s, 1 / s, 3 / s}));
  ExpectTensorNear(out[1].tensor(), F({1}, {0.4f}));
  ExpectTensorNear(out[2].tensor(), F({1}, {1.4f}));
}

TEST(BatchNormTest, NonSpatialBeforeOpset9) {
  OpTest t = Op("BatchNormalization");
  t.opset = 7;
  t.attributes["spatial"] = IntAttr(0);
  t.attributes["epsilon"] = FloatAttr(0);
  t.inputs = {F({1, 2, 2}, {1, 1, 1, 1}), F({2, 2}, {1, 2, 3, 4}), F({2, 2}, {0, 0, 0, 0}),
              F({2, 2}, {0, 0, 0, 0}), F({2, 2}, {1, 1, 1, 1})};
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(), F({1, 2, 2}, {1, 2, 3, 4}));
}

TEST(InstanceNormTest, PerPlaneStatistics) {
  OpTest t = Op("InstanceNormalization");
  t.inputs = {F({1, 2, 2}, {1, 3, 2, 2}), F({2}, {1, 2}), F({2}, {0, 1})};
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(), F({1, 2, 2}, {-1, 1, 1, 1}), 1e-4, 1e-5);
  t.inputs = {F({1, 2, 2}, {1, 3, 2, 2}), F({3}, {1, 2, 3}), F({2}, {0, 1})};
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(LayerNormTest, LastAxisWithStatistics) {
  OpTest t = Op("LayerNormalization");
  t.num_outputs = 3;
  t.attributes["epsilon"] = FloatAttr(0);
  t.inputs = {F({2, 2}, {1, 3, 2, 6}), F({2}, {2, 3}), F({2}, {1, 1})};
  auto out = RunOpOutputs(t);
  ExpectTensorNear(out[0].tensor(), F({2, 2}, {-1, 4, -1, 4}));
  ExpectTensorNear(out[1].tensor(), F({2, 1}, {2, 4}));
  ExpectTensorNear(out[2].tensor(), F({2, 1}, {1, 0.5f}));
}

TEST(LayerNormTest, AxisZeroBroadcastScaleAndNoBias) {
  OpTest t = Op("LayerNormalization");
  t.attributes["epsilon"] = FloatAttr(0);
  t.attributes["axis"] = IntAttr(0);
  t.inputs = {F({2, 2}, {1, 3, 2, 6}), F({1}, {1})};
  const float inv = 1 / std::sqrt(3.5f);
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(), F({2, 2}, {-2 * inv, 0, -inv, 3 * inv}));
  // A scale that varies along the leading axis (rows scaled 1 and 10).
  t.attributes["axis"] = IntAttr(-1);
  t.inputs = {F({2, 2}, {1, 3, 2, 6}), F({2, 1}, {1, 10})};
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(), F({2, 2}, {-1, 1, -10, 10}));
  t.inputs = {F({2, 2}, {1, 3, 2, 6}), F({3}, {1, 1, 1})};
  EXPECT_FALSE(RunOp(t).ok());
  t.attributes["axis"] = IntAttr(2);
  t.inputs = {F({2, 2}, {1, 3, 2, 6}), F({2}, {1, 1})};
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(GroupNormTest, GroupsAndPerGroupOrPerChannelParameters) {
  OpTest t = Op("GroupNormalization");
  t.opset = 18;
  t.attributes["num_groups"] = IntAttr(2);
  t.attributes["epsilon"] = FloatAttr(0);
  t.inputs = {F({1, 4, 1}, {1, 3, 5, 9}), F({2}, {1, 2}), F({2}, {0, 0.5f})};
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(), F({1, 4, 1}, {-1, 1, -1.5f, 2.5f}));
  t.inputs = {F({1, 4, 1}, {1, 3, 5, 9}), F({4}, {1, 1, 2, 2}), F({4}, {0, 0, 0.5f, 0.5f})};
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(), F({1, 4, 1}, {-1, 1, -1.5f, 2.5f}));
  t.attributes["num_groups"] = IntAttr(3);
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(LrnTest, WindowsAcrossChannels) {
  OpTest t = Op("LRN");
  t.attributes["size"] = IntAttr(3);
  t.attributes["alpha"] = FloatAttr(3);
  t.attributes["beta"] = FloatAttr(1);
  t.attributes["bias"] = FloatAttr(1);
  t.inputs = {F({1, 3, 1, 1}, {1, 2, 3})};
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(), F({1, 3, 1, 1}, {1.0f / 6, 2.0f / 15, 3.0f / 14}));
  t.attributes["size"] = IntAttr(2);  // window [c, c + 1]
  t.attributes["alpha"] = FloatAttr(2);
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(), F({1, 3, 1, 1}, {1.0f / 6, 2.0f / 14, 3.0f / 10}));
}

TEST(MvnTest, DefaultAndCustomAxes) {
  OpTest t = Op("MeanVarianceNormalization");
  t.opset = 13;
  t.inputs = {F({1, 2, 1, 2}, {1, 3, 2, 6})};
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(), F({1, 2, 1, 2}, {-1, 1, -1, 1}));
  t.attributes["axes"] = IntsAttr({1});
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(), F({1, 2, 1, 2}, {-1, -1, 1, 1}));
  t.attributes["axes"] = IntsAttr({4});
  EXPECT_FALSE(RunOp(t).ok());
}

}  // namespace
}  // namespace berth::nn
