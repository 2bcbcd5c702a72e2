// Conv, ConvTranspose and ConvInteger: hand-checked examples plus a comparison of the
// im2col + GEMM path against a direct loop over many geometries.

#include <gtest/gtest.h>

#include <random>

#include "engine/testing/op_tester.h"

namespace berth::nn {
namespace {

using testing::ExpectTensorEq;
using testing::ExpectTensorNear;
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

Tensor Iota(Shape shape) {
  Tensor t(DataType::kFloat32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

Tensor Ones(Shape shape) {
  Tensor t(DataType::kFloat32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = 1;
  return t;
}

TEST(ConvTest, PaddedAndStrided2d) {
  // The ONNX documentation example: 5x5 ramp, 3x3 ones kernel.
  OpTest t = Op("Conv");
  t.inputs = {Iota({1, 1, 5, 5}), Ones({1, 1, 3, 3})};
  t.attributes["pads"] = IntsAttr({1, 1, 1, 1});
  ExpectTensorNear(RunOpOutput(t),
                   Tensor::FromVector<float>(
                       {1, 1, 5, 5}, {12,  21, 27, 33,  24,  33,  54,  63, 72,  51,  63,  99, 108,
                                      117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123, 84}));
  t.attributes.clear();
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>(
                                       {1, 1, 3, 3}, {54, 63, 72, 99, 108, 117, 144, 153, 162}));
  t.attributes["strides"] = IntsAttr({2, 2});
  t.attributes["pads"] = IntsAttr({1, 0, 1, 0});  // asymmetric: rows padded, columns not
  ExpectTensorNear(RunOpOutput(t),
                   Tensor::FromVector<float>({1, 1, 3, 2}, {21, 33, 99, 117, 111, 123}));
}

TEST(ConvTest, AutoPadSameUpperAndLower) {
  // 1-D: input [0,1,2,3], kernel [1,10] (size 2): total pad 1.
  OpTest t = Op("Conv");
  t.inputs = {Tensor::FromVector<float>({1, 1, 4}, {0, 1, 2, 3}),
              Tensor::FromVector<float>({1, 1, 2}, {1, 10})};
  t.attributes["auto_pad"] = StringAttr("SAME_UPPER");  // extra pad at the end
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({1, 1, 4}, {10, 21, 32, 3}));
  t.attributes["auto_pad"] = StringAttr("SAME_LOWER");  // extra pad at the beginning
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({1, 1, 4}, {0, 10, 21, 32}));
  t.attributes["auto_pad"] = StringAttr("VALID");
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({1, 1, 3}, {10, 21, 32}));
  t.attributes["auto_pad"] = StringAttr("BOGUS");
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(ConvTest, GroupsBiasAndDepthwise) {
  // Two groups of one channel each; kernels scale by 1 and by 2; bias 100 / 200.
  OpTest t = Op("Conv");
  t.attributes["group"] = IntAttr(2);
  t.inputs = {Tensor::FromVector<float>({1, 2, 1, 2}, {1, 2, 3, 4}),
              Tensor::FromVector<float>({2, 1, 1, 1}, {1, 2}),
              Tensor::FromVector<float>({2}, {100, 200})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({1, 2, 1, 2}, {101, 102, 206, 208}));
  // Depthwise with multiplier 2: channel 0 feeds outputs 0,1; channel 1 feeds outputs 2,3.
  t.inputs = {Tensor::FromVector<float>({1, 2, 1, 1}, {3, 5}),
              Tensor::FromVector<float>({4, 1, 1, 1}, {1, -1, 2, -2})};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({1, 4, 1, 1}, {3, -3, 10, -10}));
  // Channel mismatch and bad bias are errors.
  t.inputs = {Tensor::FromVector<float>({1, 3, 1, 1}, {1, 2, 3}),
              Tensor::FromVector<float>({2, 1, 1, 1}, {1, 2})};
  EXPECT_FALSE(RunOp(t).ok());
  t.attributes.clear();
  t.inputs = {Ones({1, 1, 2, 2}), Ones({1, 1, 1, 1}), Tensor::FromVector<float>({2}, {1, 2})};
  EXPECT_FALSE(RunOp(t).ok());
  t.inputs = {Ones({1, 1, 2}), Ones({1, 1, 3})};  // kernel larger than input
  EXPECT_FALSE(RunOp(t).ok());
}

// Direct N-d convolution, the definition.
std::vector<double> DirectConv(const std::vector<float>& x, const std::vector<float>& w,
                               const Shape& xs, const Shape& ws, int64_t group,
                               const std::vector<int64_t>& strides, const std::vector<int64_t>& dil,
                               const std::vector<int64_t>& pads, Shape* ys) {
  const size_t r = xs.size() - 2;
  *ys = {xs[0], ws[0]};
  for (size_t d = 0; d < r; ++d) {
    ys->push_back(
        (xs[d + 2] + pads[d] + pads[d + r] - ((ws[d + 2] - 1) * dil[d] + 1)) / strides[d] + 1);
  }
  auto volume = [](const Shape& s, size_t from) {
    int64_t n = 1;
    for (size_t i = from; i < s.size(); ++i) n *= s[i];
    return n;
  };
  std::vector<double> y(static_cast<size_t>(volume(*ys, 0)), 0.0);
  const int64_t cg = xs[1] / group, mg = ws[0] / group;
  const int64_t out_sp = volume(*ys, 2), k_sp = volume(ws, 2), in_sp = volume(xs, 2);
  std::vector<int64_t> o(r), k(r);
  for (int64_t n = 0; n < xs[0]; ++n)
    for (int64_t m = 0; m < ws[0]; ++m)
      for (int64_t op = 0; op < out_sp; ++op) {
        int64_t rem = op;
        for (size_t d = r; d-- > 0;) {
          o[d] = rem % (*ys)[d + 2];
          rem /= (*ys)[d + 2];
        }
        double acc = 0;
        for (int64_t c = 0; c < cg; ++c)
          for (int64_t kp = 0; kp < k_sp; ++kp) {
            int64_t krem = kp, off = 0;
            bool inside = true;
            for (size_t d = r; d-- > 0;) {
              k[d] = krem % ws[d + 2];
              krem /= ws[d + 2];
            }
            int64_t scale = 1;
            for (size_t d = r; d-- > 0;) {
              const int64_t pos = o[d] * strides[d] - pads[d] + k[d] * dil[d];
              inside = inside && pos >= 0 && pos < xs[d + 2];
              off += pos * scale;
              scale *= xs[d + 2];
            }
            if (!inside) continue;
            const int64_t ch = (m / mg) * cg + c;
            acc += static_cast<double>(x[static_cast<size_t>((n * xs[1] + ch) * in_sp + off)]) *
                   w[static_cast<size_t>((m * cg + c) * k_sp + kp)];
          }
        y[static_cast<size_t>((n * ws[0] + m) * out_sp + op)] = acc;
      }
  return y;
}

TEST(ConvTest, MatchesDirectConvolutionAcrossGeometries) {
  struct Case {
    Shape x, w;
    int64_t group;
    std::vector<int64_t> strides, dil, pads;
  };
  const Case cases[] = {
      {{2, 3, 7}, {4, 3, 3}, 1, {2}, {1}, {1, 2}},
      {{1, 4, 9}, {4, 1, 2}, 4, {1}, {3}, {0, 1}},
      {{1, 3, 6, 5}, {6, 1, 3, 2}, 3, {2, 1}, {1, 2}, {1, 0, 2, 1}},
      {{2, 2, 5, 6}, {3, 2, 1, 1}, 1, {1, 2}, {1, 1}, {0, 0, 0, 0}},
      {{1, 2, 8, 8}, {4, 2, 3, 3}, 1, {3, 2}, {2, 1}, {2, 2, 1, 1}},
      {{1, 2, 4, 5, 3}, {2, 1, 2, 3, 2}, 2, {1, 2, 1}, {1, 1, 2}, {1, 0, 1, 0, 1, 1}},
  };
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  for (const Case& c : cases) {
    Tensor x(DataType::kFloat32, c.x), w(DataType::kFloat32, c.w);
    std::vector<float> xv(static_cast<size_t>(x.numel())), wv(static_cast<size_t>(w.numel()));
    for (size_t i = 0; i < xv.size(); ++i) x.data<float>()[i] = xv[i] = u(rng);
    for (size_t i = 0; i < wv.size(); ++i) w.data<float>()[i] = wv[i] = u(rng);
    Shape ys;
    std::vector<double> expect =
        DirectConv(xv, wv, c.x, c.w, c.group, c.strides, c.dil, c.pads, &ys);
    OpTest t = Op("Conv");
    t.inputs = {x, w};
    t.attributes["group"] = IntAttr(c.group);
    t.attributes["strides"] = IntsAttr(c.strides);
    t.attributes["dilations"] = IntsAttr(c.dil);
    t.attributes["pads"] = IntsAttr(c.pads);
    Tensor e(DataType::kFloat32, ys);
    for (size_t i = 0; i < expect.size(); ++i) e.data<float>()[i] = static_cast<float>(expect[i]);
    ExpectTensorNear(RunOpOutput(t), e, 1e-4, 1e-5);
    // The double path runs the same geometry.
    Tensor xd(DataType::kFloat64, c.x), wd(DataType::kFloat64, c.w), ed(DataType::kFloat64, ys);
    for (size_t i = 0; i < xv.size(); ++i) xd.data<double>()[i] = xv[i];
    for (size_t i = 0; i < wv.size(); ++i) wd.data<double>()[i] = wv[i];
    for (size_t i = 0; i < expect.size(); ++i) ed.data<double>()[i] = expect[i];
    t.inputs = {xd, wd};
    ExpectTensorNear(RunOpOutput(t), ed, 1e-9, 1e-12);
  }
}

TEST(ConvTest, EmptyBatchAndHalfPrecision) {
  OpTest t = Op("Conv");
  t.inputs = {Tensor(DataType::kFloat32, {0, 1, 3, 3}), Ones({2, 1, 2, 2})};
  ExpectTensorNear(RunOpOutput(t), Tensor(DataType::kFloat32, {0, 2, 2, 2}));
  std::vector<Float16> x;
  for (int i = 0; i < 4; ++i) x.push_back(Float16(static_cast<float>(i)));
  t.inputs = {Tensor::FromVector<Float16>({1, 1, 4}, x),
              Tensor::FromVector<Float16>({1, 1, 2}, {Float16(1), Float16(10)})};
  ExpectTensorNear(RunOpOutput(t),
                   Tensor::FromVector<Float16>({1, 1, 3}, {Float16(10), Float16(21), Float16(32)}));
}

TEST(ConvTransposeTest, DocumentationExampleAndBias) {
  // ONNX example: 3x3 ramp, two 3x3 ones kernels -> 5x5 per output channel.
  OpTest t = Op("ConvTranspose");
  t.inputs = {Iota({1, 1, 3, 3}), Ones({1, 2, 3, 3})};
  const std::vector<float> plane = {0,  1,  3, 3,  2,  3,  8,  15, 12, 7,  9,  21, 36,
                                    27, 15, 9, 20, 33, 24, 13, 6,  13, 21, 15, 8};
  std::vector<float> both = plane;
  both.insert(both.end(), plane.begin(), plane.end());
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({1, 2, 5, 5}, both));
  // Bias and 1-D.
  t.inputs = {Tensor::FromVector<float>({1, 1, 3}, {0, 1, 2}), Ones({1, 2, 3}),
              Tensor::FromVector<float>({2}, {0, 10})};
  ExpectTensorNear(RunOpOutput(t),
                   Tensor::FromVector<float>({1, 2, 5}, {0, 1, 3, 3, 2, 10, 11, 13, 13, 12}));
}

TEST(ConvTransposeTest, StridesPadsOutputShapeAndOutputPadding) {
  // 1-D, stride 2, kernel [1, 2]: x [1, 10] -> natural output [1, 2, 10, 20] (length 4).
  const Tensor x = Tensor::FromVector<float>({1, 1, 2}, {1, 10});
  const Tensor w = Tensor::FromVector<float>({1, 1, 2}, {1, 2});
  OpTest t = Op("ConvTranspose");
  t.attributes["strides"] = IntsAttr({2});
  t.inputs = {x, w};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({1, 1, 4}, {1, 2, 10, 20}));
  t.attributes["pads"] = IntsAttr({1, 0});
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({1, 1, 3}, {2, 10, 20}));
  t.attributes.erase("pads");
  t.attributes["output_padding"] = IntsAttr({1});
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({1, 1, 5}, {1, 2, 10, 20, 0}));
  t.attributes.erase("output_padding");
  t.attributes["output_shape"] = IntsAttr({6});  // larger than natural: zeros at the end
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({1, 1, 6}, {1, 2, 10, 20, 0, 0}));
  t.attributes["output_shape"] = IntsAttr({3});  // total pad 1: head gets 1 (NOTSET)
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({1, 1, 3}, {2, 10, 20}));
  t.attributes["auto_pad"] = StringAttr("SAME_UPPER");  // total pad 1: head gets 0
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({1, 1, 3}, {1, 2, 10}));
  t.attributes.erase("output_shape");
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({1, 1, 4}, {1, 2, 10, 20}));
  t.attributes.clear();
  t.inputs = {x, Tensor::FromVector<float>({2, 1, 2}, {1, 2, 3, 4})};  // W channels != X channels
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(ConvTransposeTest, GroupsAndDilations) {
  OpTest t = Op("ConvTranspose");
  t.attributes["group"] = IntAttr(2);
  t.attributes["dilations"] = IntsAttr({2});
  // Channel 0 -> output 0 with kernel [1, 1]; channel 1 -> output 1 with kernel [1, -1].
  t.inputs = {Tensor::FromVector<float>({1, 2, 2}, {1, 2, 3, 4}),
              Tensor::FromVector<float>({2, 1, 2}, {1, 1, 1, -1})};
  ExpectTensorNear(RunOpOutput(t),
                   Tensor::FromVector<float>({1, 2, 4}, {1, 2, 1, 2, 3, 4, -3, -4}));
}

TEST(ConvIntegerTest, ZeroPointsAndPadding) {
  OpTest t = Op("ConvInteger");
  t.opset = 10;
  t.attributes["pads"] = IntsAttr({1, 1, 1, 1});
  t.inputs = {Tensor::FromVector<uint8_t>({1, 1, 3, 3}, {2, 3, 4, 5, 6, 7, 8, 9, 10}),
              Tensor::FromVector<uint8_t>({1, 1, 2, 2}, {1, 1, 1, 1}), Tensor::Scalar<uint8_t>(1)};
  ExpectTensorEq(RunOpOutput(t),
                 Tensor::FromVector<int32_t>(
                     {1, 1, 4, 4}, {1, 3, 5, 3, 5, 12, 16, 9, 11, 24, 28, 15, 7, 15, 17, 9}));
  // Per-output-channel weight zero points, int8.
  t.attributes.clear();
  t.inputs = {Tensor::FromVector<int8_t>({1, 1, 1, 2}, {1, -2}),
              Tensor::FromVector<int8_t>({2, 1, 1, 1}, {3, 3}), Tensor::Scalar<int8_t>(0),
              Tensor::FromVector<int8_t>({2}, {1, 3})};
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<int32_t>({1, 2, 1, 2}, {2, -4, 0, 0}));
  t.inputs = {Tensor::FromVector<int8_t>({1, 1, 1, 2}, {1, -2}),
              Tensor::FromVector<int8_t>({2, 1, 1, 1}, {3, 3}),
              Tensor::FromVector<int8_t>({2}, {0, 0})};  // x_zero_point must be per tensor
  EXPECT_FALSE(RunOp(t).ok());
}

}  // namespace
}  // namespace berth::nn
