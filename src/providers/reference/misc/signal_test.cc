// Unit tests of the signal kernels: DFT, STFT, the cosine windows and MelWeightMatrix.

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "engine/testing/op_tester.h"

namespace berth {
namespace {

using testing::ExpectTensorNear;
using testing::IntAttr;
using testing::OpTest;
using testing::RunOp;
using testing::RunOpOutput;

Tensor Signal1234() { return Tensor::FromVector<float>({1, 4, 1}, {1, 2, 3, 4}); }

TEST(DftTest, RealInputPowerOfTwo) {
  OpTest t = OpTest("DFT");
  t.inputs = {Signal1234()};
  // fft([1, 2, 3, 4]) = [10, -2+2i, -2, -2-2i]
  ExpectTensorNear(RunOpOutput(t),
                   Tensor::FromVector<float>({1, 4, 2}, {10, 0, -2, 2, -2, 0, -2, -2}));
}

TEST(DftTest, OnesidedAndInverseRoundTrip) {
  OpTest t = OpTest("DFT");
  t.attributes["onesided"] = IntAttr(1);
  t.inputs = {Signal1234()};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({1, 3, 2}, {10, 0, -2, 2, -2, 0}));

  OpTest inv = OpTest("DFT");
  inv.attributes["inverse"] = IntAttr(1);
  inv.inputs = {Tensor::FromVector<float>({1, 4, 2}, {10, 0, -2, 2, -2, 0, -2, -2})};
  ExpectTensorNear(RunOpOutput(inv), Tensor::FromVector<float>({1, 4, 2}, {1, 0, 2, 0, 3, 0, 4, 0}),
                   1e-5, 1e-5);
}

TEST(DftTest, DftLengthTruncatesAndPads) {
  OpTest t = OpTest("DFT");
  t.inputs = {Signal1234(), Tensor::Scalar<int64_t>(3)};
  // fft([1, 2, 3]) = [6, -1.5+0.866i, -1.5-0.866i] (non power of two: direct sum)
  ExpectTensorNear(
      RunOpOutput(t),
      Tensor::FromVector<float>({1, 3, 2}, {6, 0, -1.5f, 0.8660254f, -1.5f, -0.8660254f}), 1e-5,
      1e-5);
  t.inputs[1] = Tensor::Scalar<int32_t>(5);
  // fft([1, 2, 3, 4, 0])
  Tensor y = RunOpOutput(t);
  ASSERT_EQ(y.shape(), (Shape{1, 5, 2}));
  EXPECT_NEAR(y.data<float>()[0], 10.0f, 1e-5);
  EXPECT_NEAR(y.data<float>()[2], -4.0450850f, 1e-5);
  EXPECT_NEAR(y.data<float>()[3], -1.3143278f, 1e-5);
}

TEST(DftTest, AxisSelectsDimensionAndOpset20TakesAxisInput) {
  // Shape [1, 2, 2, 1]: transform along axis 2 (rows [1, 2] and [3, 4]) -> [3, -1] and [7, -1].
  Tensor x = Tensor::FromVector<float>({1, 2, 2, 1}, {1, 2, 3, 4});
  Tensor expected = Tensor::FromVector<float>({1, 2, 2, 2}, {3, 0, -1, 0, 7, 0, -1, 0});
  OpTest t = OpTest("DFT");
  t.attributes["axis"] = IntAttr(2);
  t.inputs = {x};
  ExpectTensorNear(RunOpOutput(t), expected);

  OpTest t20 = OpTest("DFT");
  t20.opset = 20;
  t20.inputs = {x, Value(), Tensor::Scalar<int64_t>(-2)};
  ExpectTensorNear(RunOpOutput(t20), expected);
}

TEST(DftTest, ComplexDoubleInput) {
  OpTest t = OpTest("DFT");
  t.inputs = {Tensor::FromVector<double>({1, 2, 2}, {0, 1, 0, -1})};  // [i, -i] -> [0, 2i]
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<double>({1, 2, 2}, {0, 0, 0, 2}));
}

// Long lengths that are not powers of two go through Bluestein's algorithm; check against the
// direct sum.
TEST(DftTest, LongOddLengthsMatchTheDirectSum) {
  for (int64_t n : {67, 100, 1000}) {
    std::vector<double> x(static_cast<size_t>(2 * n));
    for (int64_t t = 0; t < n; ++t) {
      x[static_cast<size_t>(2 * t)] =
          std::sin(0.37 * static_cast<double>(t)) + 0.01 * static_cast<double>(t % 7);
      x[static_cast<size_t>(2 * t + 1)] = std::cos(1.3 * static_cast<double>(t * t % 11));
    }
    OpTest t = OpTest("DFT");
    t.inputs = {Tensor::FromVector<double>({1, n, 2}, x)};
    Tensor y = RunOpOutput(t);
    ASSERT_EQ(y.shape(), (Shape{1, n, 2}));
    for (int64_t k : {int64_t{0}, int64_t{1}, n / 3, n - 1}) {
      double re = 0, im = 0;
      for (int64_t j = 0; j < n; ++j) {
        const double a =
            -2.0 * std::numbers::pi * static_cast<double>(k * j % n) / static_cast<double>(n);
        re += x[static_cast<size_t>(2 * j)] * std::cos(a) -
              x[static_cast<size_t>(2 * j + 1)] * std::sin(a);
        im += x[static_cast<size_t>(2 * j)] * std::sin(a) +
              x[static_cast<size_t>(2 * j + 1)] * std::cos(a);
      }
      EXPECT_NEAR(y.data<double>()[2 * k], re, 1e-9) << "n=" << n << " k=" << k;
      EXPECT_NEAR(y.data<double>()[2 * k + 1], im, 1e-9) << "n=" << n << " k=" << k;
    }
    // The inverse transform brings the signal back.
    OpTest inv = OpTest("DFT");
    inv.attributes["inverse"] = IntAttr(1);
    inv.inputs = {y};
    ExpectTensorNear(RunOpOutput(inv), Tensor::FromVector<double>({1, n, 2}, x), 1e-9, 1e-9);
  }
}

TEST(DftTest, BadAxisIsAnError) {
  OpTest t = OpTest("DFT");
  t.attributes["axis"] = IntAttr(2);  // the last dimension holds real/imag parts
  t.inputs = {Signal1234()};
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(StftTest, FrameLengthAndWindow) {
  OpTest t = OpTest("STFT");
  t.inputs = {Signal1234(), Tensor::Scalar<int64_t>(2), Value(), Tensor::Scalar<int64_t>(2)};
  // frames [1, 2] and [3, 4]: DFTs [3, -1] and [7, -1] (onesided keeps both of 2/2+1 bins).
  ExpectTensorNear(RunOpOutput(t),
                   Tensor::FromVector<float>({1, 2, 2, 2}, {3, 0, -1, 0, 7, 0, -1, 0}));

  OpTest w = OpTest("STFT");
  w.inputs = {Signal1234(), Tensor::Scalar<int64_t>(2), Tensor::FromVector<float>({2}, {1, 0.5f})};
  // windowed frames [1, 1] and [3, 2].
  ExpectTensorNear(RunOpOutput(w),
                   Tensor::FromVector<float>({1, 2, 2, 2}, {2, 0, 0, 0, 5, 0, 1, 0}));
}

TEST(StftTest, NotOnesidedAndStep) {
  OpTest t = OpTest("STFT");
  t.attributes["onesided"] = IntAttr(0);
  t.inputs = {Signal1234(), Tensor::Scalar<int32_t>(1), Value(), Tensor::Scalar<int32_t>(4)};
  ExpectTensorNear(RunOpOutput(t),
                   Tensor::FromVector<float>({1, 1, 4, 2}, {10, 0, -2, 2, -2, 0, -2, -2}));
}

TEST(StftTest, FrameLongerThanSignalIsAnError) {
  OpTest t = OpTest("STFT");
  t.inputs = {Signal1234(), Tensor::Scalar<int64_t>(1), Value(), Tensor::Scalar<int64_t>(5)};
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(WindowTest, HannPeriodicAndSymmetric) {
  OpTest t = OpTest("HannWindow");
  t.inputs = {Tensor::Scalar<int32_t>(4)};
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({4}, {0, 0.5f, 1, 0.5f}), 1e-6, 1e-6);
  OpTest s = OpTest("HannWindow");
  s.attributes["periodic"] = IntAttr(0);
  s.inputs = {Tensor::Scalar<int64_t>(5)};
  ExpectTensorNear(RunOpOutput(s), Tensor::FromVector<float>({5}, {0, 0.5f, 1, 0.5f, 0}), 1e-6,
                   1e-6);
}

TEST(WindowTest, HammingAndBlackmanWithOutputType) {
  OpTest h = OpTest("HammingWindow");
  h.inputs = {Tensor::Scalar<int32_t>(4)};
  ExpectTensorNear(RunOpOutput(h),
                   Tensor::FromVector<float>({4}, {4.0f / 46, 25.0f / 46, 1, 25.0f / 46}), 1e-6,
                   1e-6);
  OpTest b = OpTest("BlackmanWindow");
  b.attributes["output_datatype"] = IntAttr(static_cast<int64_t>(DataType::kFloat64));
  b.inputs = {Tensor::Scalar<int32_t>(4)};
  ExpectTensorNear(RunOpOutput(b), Tensor::FromVector<double>({4}, {0, 0.34, 1, 0.34}), 1e-9, 1e-9);
}

TEST(WindowTest, EmptyAndNegativeSize) {
  OpTest t = OpTest("HannWindow");
  t.inputs = {Tensor::Scalar<int32_t>(0)};
  EXPECT_EQ(RunOpOutput(t).shape(), (Shape{0}));
  t.inputs = {Tensor::Scalar<int32_t>(-1)};
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(MelWeightMatrixTest, OnnxExample) {
  OpTest t = OpTest("MelWeightMatrix");
  t.inputs = {Tensor::Scalar<int32_t>(8), Tensor::Scalar<int32_t>(16),
              Tensor::Scalar<int32_t>(8192), Tensor::Scalar<float>(0), Tensor::Scalar<float>(4096)};
  std::vector<float> expected(9 * 8, 0.0f);
  // Rows 0..5 (spectrogram bins) hold the peaks: (0,0) (0,1) (1,2) (1,3) (2,4) (3,5) (4,6) (5,7).
  const int peaks[][2] = {{0, 0}, {0, 1}, {1, 2}, {1, 3}, {2, 4}, {3, 5}, {4, 6}, {5, 7}};
  for (auto& p : peaks) expected[static_cast<size_t>(p[0] * 8 + p[1])] = 1.0f;
  ExpectTensorNear(RunOpOutput(t), Tensor::FromVector<float>({9, 8}, expected));
}

}  // namespace
}  // namespace berth
