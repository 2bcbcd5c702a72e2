// SmallMatMul: every ISA variant against a double-precision product, and a row's result independent
// of how many rows ran with it (what keeps dynamic batching byte-identical).

#include "providers/dnnl/small_matmul.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace berth::dnnl_dense {
namespace {

struct Variant {
  std::string name;
  SmallMatMulRowsFn rows;
};

std::vector<Variant> AvailableVariants() {
  std::vector<Variant> variants = {{"generic", f32_small_matmul_4x16__generic}};
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    variants.push_back({"avx2", f32_small_matmul_4x16__avx2});
  }
  if (__builtin_cpu_supports("avx512f")) variants.push_back({"avx512", f32_small_matmul_4x16__avx512});
  return variants;
}

std::vector<float> Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

float Expected(const std::vector<float>& a, const std::vector<float>& b, const float* bias, int64_t m,
               int64_t n, int64_t K, int64_t N, const SmallMatMulEpilogue& e) {
  double sum = bias ? bias[n] : 0.0;
  for (int64_t k = 0; k < K; ++k) sum += double(a[m * K + k]) * double(b[k * N + n]);
  const float x = static_cast<float>(sum);
  switch (e.kind) {
    case SmallMatMulEpilogue::Kind::kNone: return x;
    case SmallMatMulEpilogue::Kind::kRelu: return std::max(x, 0.0f);
    case SmallMatMulEpilogue::Kind::kLeakyRelu: return x < 0 ? x * e.alpha : x;
    case SmallMatMulEpilogue::Kind::kClip: return std::min(std::max(x, e.alpha), e.beta);
  }
  return x;
}

TEST(SmallMatMul, EveryVariantMatchesADoublePrecisionProduct) {
  using Kind = SmallMatMulEpilogue::Kind;
  const std::vector<SmallMatMulEpilogue> epilogues = {
      {Kind::kNone, 0, 0}, {Kind::kRelu, 0, 0}, {Kind::kLeakyRelu, 0.1f, 0}, {Kind::kClip, -0.5f, 0.7f}};
  for (const Variant& variant : AvailableVariants()) {
    for (int64_t K : {1, 13, 32, 200}) {
      for (int64_t N : {1, 10, 16, 17, 64}) {
        for (int64_t M : {1, 3, 4, 9}) {
          for (const SmallMatMulEpilogue& e : epilogues) {
            for (bool with_bias : {false, true}) {
              SCOPED_TRACE(variant.name + " M " + std::to_string(M) + " K " + std::to_string(K) + " N " +
                           std::to_string(N) + " epilogue " + std::to_string(int(e.kind)) +
                           (with_bias ? " bias" : ""));
              const std::vector<float> a = Random(M * K, 1), b = Random(K * N, 2), bias = Random(N, 3);
              const SmallMatMulWeights w = PackSmallMatMulWeights(b.data(), K, N, N, 1);
              // A guard element after y catches a write past the last row.
              std::vector<float> y(M * N + 1, 42.0f);
              const float* bias_data = with_bias ? bias.data() : nullptr;
              variant.rows(a.data(), 0, M, w, bias_data, e, y.data());
              for (int64_t m = 0; m < M; ++m) {
                for (int64_t n = 0; n < N; ++n) {
                  const float want = Expected(a, b, bias_data, m, n, K, N, e);
                  ASSERT_NEAR(y[m * N + n], want, 1e-5 * K + 1e-6) << "at " << m << "," << n;
                }
              }
              EXPECT_EQ(y[M * N], 42.0f);
            }
          }
        }
      }
    }
  }
}

TEST(SmallMatMul, ARowsResultDoesNotDependOnTheRowsBesideIt) {
  const int64_t M = 13, K = 37, N = 21;
  const std::vector<float> a = Random(M * K, 4), b = Random(K * N, 5), bias = Random(N, 6);
  const SmallMatMulWeights w = PackSmallMatMulWeights(b.data(), K, N, N, 1);
  const SmallMatMulEpilogue relu{SmallMatMulEpilogue::Kind::kRelu, 0, 0};
  for (const Variant& variant : AvailableVariants()) {
    SCOPED_TRACE(variant.name);
    std::vector<float> all(M * N);
    variant.rows(a.data(), 0, M, w, bias.data(), relu, all.data());
    for (int64_t m = 0; m < M; ++m) {
      std::vector<float> one(N);
      variant.rows(a.data() + m * K, 0, 1, w, bias.data(), relu, one.data());
      EXPECT_EQ(std::memcmp(one.data(), all.data() + m * N, N * sizeof(float)), 0) << "row " << m;
    }
    // Rows 3..9 as a slice of their own: tiles fall on other rows than in the full run.
    std::vector<float> slice(7 * N);
    variant.rows(a.data() + 3 * K, 0, 7, w, bias.data(), relu, slice.data());
    EXPECT_EQ(std::memcmp(slice.data(), all.data() + 3 * N, slice.size() * sizeof(float)), 0);
  }
}

TEST(SmallMatMul, PacksTransposedWeights) {
  const int64_t K = 5, N = 19;
  const std::vector<float> b = Random(K * N, 7);  // [K, N]
  std::vector<float> bt(N * K);                   // [N, K]
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t n = 0; n < N; ++n) bt[n * K + k] = b[k * N + n];
  }
  const SmallMatMulWeights plain = PackSmallMatMulWeights(b.data(), K, N, N, 1);
  const SmallMatMulWeights transposed = PackSmallMatMulWeights(bt.data(), K, N, 1, K);
  const size_t size = (N + kSmallMatMulPanel - 1) / kSmallMatMulPanel * kSmallMatMulPanel * K;
  EXPECT_EQ(std::memcmp(plain.panels.get(), transposed.panels.get(), size * sizeof(float)), 0);
}

TEST(SmallMatMul, SplitsLargeProductsOverThePoolWithTheSameResult) {
  const int64_t M = 4096, K = 64, N = 64;  // 16M multiply-adds: above the parallel threshold
  const std::vector<float> a = Random(M * K, 8), b = Random(K * N, 9);
  const SmallMatMulWeights w = PackSmallMatMulWeights(b.data(), K, N, N, 1);
  std::vector<float> serial(M * N), parallel(M * N);
  SmallMatMul(a.data(), M, w, nullptr, {}, serial.data(), nullptr);
  const ThreadPool pool(2);
  SmallMatMul(a.data(), M, w, nullptr, {}, parallel.data(), &pool);
  EXPECT_EQ(std::memcmp(serial.data(), parallel.data(), serial.size() * sizeof(float)), 0);
}

}  // namespace
}  // namespace berth::dnnl_dense
