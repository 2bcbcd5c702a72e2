// Resize (opsets 10, 13, 18) and Upsample (opsets 7, 9).

#include <gtest/gtest.h>

#include "engine/testing/op_tester.h"

namespace berth::nn {
namespace {

using testing::ExpectTensorEq;
using testing::ExpectTensorNear;
using testing::FloatAttr;
using testing::FloatsAttr;
using testing::IntAttr;
using testing::IntsAttr;
using testing::OpTest;
using testing::RunOp;
using testing::RunOpOutput;
using testing::StringAttr;

// An OpTest for `op_type` at the default opset (spelled out to keep -Wextra quiet).
OpTest Op(const char* op_type) {
  OpTest t;
  t.op_type = op_type;
  return t;
}

Tensor F(Shape s, std::vector<float> v) { return Tensor::FromVector<float>(std::move(s), v); }
Tensor I(Shape s, std::vector<int64_t> v) { return Tensor::FromVector<int64_t>(std::move(s), v); }

TEST(ResizeTest, NearestHalfPixelUpsample) {
  OpTest t = Op("Resize");
  t.inputs = {F({1, 1, 2, 2}, {1, 2, 3, 4}), Value(), F({4}, {1, 1, 2, 2})};
  ExpectTensorNear(RunOpOutput(t),
                   F({1, 1, 4, 4}, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
  // Integers are copied exactly.
  t.inputs = {Tensor::FromVector<uint8_t>({1, 2}, {7, 200}), Value(), F({2}, {1, 2})};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<uint8_t>({1, 4}, {7, 7, 200, 200}));
}

TEST(ResizeTest, LinearModesAndCoordinateTransforms) {
  OpTest t = Op("Resize");
  t.attributes["mode"] = StringAttr("linear");
  t.inputs = {F({1, 2}, {1, 3}), Value(), F({2}, {1, 2})};
  ExpectTensorNear(RunOpOutput(t), F({1, 4}, {1, 1.5f, 2.5f, 3}));
  t.attributes["coordinate_transformation_mode"] = StringAttr("align_corners");
  t.inputs = {F({1, 2}, {1, 3}), Value(), Value(), I({2}, {1, 3})};
  ExpectTensorNear(RunOpOutput(t), F({1, 3}, {1, 2, 3}));
  t.attributes["coordinate_transformation_mode"] = StringAttr("asymmetric");
  t.inputs = {F({1, 2}, {1, 3}), Value(), F({2}, {1, 2})};
  ExpectTensorNear(RunOpOutput(t), F({1, 4}, {1, 2, 3, 3}));
}

TEST(ResizeTest, TfCropAndResizeExtrapolates) {
  OpTest t = Op("Resize");
  t.attributes["mode"] = StringAttr("linear");
  t.attributes["coordinate_transformation_mode"] = StringAttr("tf_crop_and_resize");
  t.attributes["extrapolation_value"] = FloatAttr(99);
  t.inputs = {F({1, 4}, {0, 10, 20, 30}), F({4}, {0, 0.5f, 1, 1.5f}), Value(), I({2}, {1, 3})};
  ExpectTensorNear(RunOpOutput(t), F({1, 3}, {15, 30, 99}));
  t.attributes["mode"] = StringAttr("nearest");
  ExpectTensorNear(RunOpOutput(t), F({1, 3}, {10, 30, 99}));
}

TEST(ResizeTest, CubicKeepsConstantsAndAxesOpset18) {
  OpTest t = Op("Resize");
  t.attributes["mode"] = StringAttr("cubic");
  t.inputs = {F({1, 1, 2, 3}, {5, 5, 5, 5, 5, 5}), Value(), F({4}, {1, 1, 1.5f, 2})};
  ExpectTensorNear(RunOpOutput(t), F({1, 1, 3, 6}, std::vector<float>(18, 5.0f)), 1e-5, 1e-5);
  t.attributes["exclude_outside"] = IntAttr(1);
  ExpectTensorNear(RunOpOutput(t), F({1, 1, 3, 6}, std::vector<float>(18, 5.0f)), 1e-5, 1e-5);

  OpTest a = Op("Resize");
  a.opset = 18;
  a.attributes["axes"] = IntsAttr({-1});
  a.inputs = {F({2, 2}, {1, 2, 3, 4}), Value(), F({1}, {2})};
  ExpectTensorNear(RunOpOutput(a), F({2, 4}, {1, 1, 2, 2, 3, 3, 4, 4}));
  a.attributes["axes"] = IntsAttr({0, 1});
  a.attributes["keep_aspect_ratio_policy"] = StringAttr("not_larger");
  a.inputs = {F({2, 2}, {1, 2, 3, 4}), Value(), Value(), I({2}, {4, 6})};
  ExpectTensorNear(RunOpOutput(a), F({4, 4}, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
}

TEST(ResizeTest, Opset10AndErrors) {
  OpTest t = Op("Resize");
  t.opset = 10;  // asymmetric; nearest rounds up when downsampling
  t.inputs = {F({1, 4}, {1, 2, 3, 4}), F({2}, {1, 0.5f})};
  ExpectTensorNear(RunOpOutput(t), F({1, 2}, {1, 3}));
  t.inputs = {F({1, 5}, {1, 2, 3, 4, 5}), F({2}, {1, 0.6f})};  // x = 0, 1.67, 3.33 -> 0, 2, 4
  ExpectTensorNear(RunOpOutput(t), F({1, 3}, {1, 3, 5}));

  OpTest e = Op("Resize");
  e.inputs = {F({1, 2}, {1, 2}), Value(), F({2}, {1, 2}), I({2}, {1, 4})};
  EXPECT_FALSE(RunOp(e).ok());  // both scales and sizes
  e.inputs = {F({1, 2}, {1, 2})};
  EXPECT_FALSE(RunOp(e).ok());  // neither
  e.inputs = {F({1, 2}, {1, 2}), Value(), F({1}, {2})};
  EXPECT_FALSE(RunOp(e).ok());  // wrong length
  e.inputs = {F({1, 2}, {1, 2}), Value(), F({2}, {1, -2})};
  EXPECT_FALSE(RunOp(e).ok());  // negative scale
  e.attributes["mode"] = StringAttr("area");
  e.inputs = {F({1, 2}, {1, 2}), Value(), F({2}, {1, 2})};
  EXPECT_FALSE(RunOp(e).ok());
}

TEST(UpsampleTest, AttributeAndInputScales) {
  OpTest t = Op("Upsample");
  t.opset = 7;
  t.attributes["scales"] = FloatsAttr({1, 2});
  t.inputs = {F({1, 2}, {1, 2})};
  ExpectTensorNear(RunOpOutput(t), F({1, 4}, {1, 1, 2, 2}));
  OpTest u = Op("Upsample");
  u.opset = 9;
  u.attributes["mode"] = StringAttr("linear");
  u.inputs = {F({1, 2}, {1, 2}), F({2}, {1, 2})};
  ExpectTensorNear(RunOpOutput(u), F({1, 4}, {1, 1.5f, 2, 2}));
}

}  // namespace
}  // namespace berth::nn
