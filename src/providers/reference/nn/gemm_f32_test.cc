#include "providers/reference/nn/gemm_f32.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace berth::nn {
namespace {

// GemmF32 against a double-precision i-k-j loop over shapes that hit every edge of the blocking
// (partial register tiles, several K blocks, several M blocks) and every transpose combination.
TEST(GemmF32Test, MatchesReferenceOnAwkwardShapes) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  const int64_t shapes[][3] = {{1, 1, 1},    {1, 37, 5},    {7, 1, 300},  {13, 17, 19},
                               {6, 16, 256}, {121, 9, 513}, {5, 2100, 3}, {64, 64, 64}};
  for (const auto& s : shapes) {
    const int64_t M = s[0], N = s[1], K = s[2];
    for (int variant = 0; variant < 4; ++variant) {
      const bool ta = variant & 1, tb = variant & 2;
      const float alpha = variant == 3 ? 0.5f : 1.0f;
      const float beta = variant == 1 ? 0.0f : (variant == 2 ? -2.0f : 1.0f);
      std::vector<float> A(static_cast<size_t>(M * K)), B(static_cast<size_t>(K * N)),
          C(static_cast<size_t>(M * N));
      for (float& v : A) v = u(rng);
      for (float& v : B) v = u(rng);
      for (float& v : C) v = u(rng);
      std::vector<double> expect(C.begin(), C.end());
      for (int64_t i = 0; i < M; ++i) {
        for (int64_t j = 0; j < N; ++j) {
          double acc = 0;
          for (int64_t k = 0; k < K; ++k) {
            const double a = ta ? A[k * M + i] : A[i * K + k];
            const double b = tb ? B[j * K + k] : B[k * N + j];
            acc += a * b;
          }
          expect[i * N + j] = alpha * acc + beta * expect[i * N + j];
        }
      }
      GemmF32(ta, tb, M, N, K, alpha, A.data(), ta ? M : K, B.data(), tb ? K : N, beta, C.data(),
              N);
      for (int64_t i = 0; i < M * N; ++i) {
        ASSERT_NEAR(C[i], expect[i], 1e-4 * (1 + std::fabs(expect[i])))
            << "M=" << M << " N=" << N << " K=" << K << " variant " << variant << " at " << i;
      }
    }
  }
}

TEST(GemmF32Test, BetaZeroIgnoresGarbageAndKZeroScales) {
  std::vector<float> A = {1, 2}, B = {3, 4};
  std::vector<float> C = {NAN};
  GemmF32(false, false, 1, 1, 2, 1.0f, A.data(), 2, B.data(), 1, 0.0f, C.data(), 1);
  EXPECT_FLOAT_EQ(C[0], 11.0f);
  C = {5};
  GemmF32(false, false, 1, 1, 0, 1.0f, A.data(), 0, B.data(), 1, 2.0f, C.data(), 1);
  EXPECT_FLOAT_EQ(C[0], 10.0f);
}

TEST(GemmF32Test, RespectsLeadingDimensions) {
  // A is the left 2x2 block of a 2x3 buffer, C the right 2x2 block of a 2x4 buffer.
  std::vector<float> A = {1, 2, 99, 3, 4, 99};
  std::vector<float> B = {1, 0, 0, 1};
  std::vector<float> C = {-1, -1, 0, 0, -1, -1, 0, 0};
  GemmF32(false, false, 2, 2, 2, 1.0f, A.data(), 3, B.data(), 2, 0.0f, C.data() + 2, 4);
  EXPECT_EQ(C, (std::vector<float>{-1, -1, 1, 2, -1, -1, 3, 4}));
}

TEST(GemmRefTest, IntegersAreExact) {
  std::vector<int64_t> A = {1, 2, 3, 4}, B = {5, 6, 7, 8}, C(4);
  GemmRef<int64_t>(false, true, 2, 2, 2, 1, A.data(), 2, B.data(), 2, 0, C.data(), 2);
  EXPECT_EQ(C, (std::vector<int64_t>{17, 23, 39, 53}));
}

}  // namespace
}  // namespace berth::nn
