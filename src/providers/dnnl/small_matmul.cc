// Small products without oneDNN (small_matmul.h): packing, and the choice of ISA variant.

#include "providers/dnnl/small_matmul.h"

#include <algorithm>

namespace berth::dnnl_dense {

namespace {

thread_local int64_t small_matmul_calls = 0;

SmallMatMulRowsFn BestVariant() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return f32_small_matmul_4x16__avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return f32_small_matmul_4x16__avx2;
  return f32_small_matmul_4x16__generic;
}

}  // namespace

SmallMatMulWeights PackSmallMatMulWeights(const float* b, int64_t K, int64_t N, int64_t k_stride,
                                          int64_t n_stride) {
  SmallMatMulWeights w;
  w.K = K;
  w.N = N;
  const int64_t panels = (N + kSmallMatMulPanel - 1) / kSmallMatMulPanel;
  const size_t size = static_cast<size_t>(panels * K * kSmallMatMulPanel);
  w.panels.reset(new float[size]);
  std::fill(w.panels.get(), w.panels.get() + size, 0.0f);
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t n = 0; n < N; ++n) {
      const int64_t panel = n / kSmallMatMulPanel, column = n % kSmallMatMulPanel;
      w.panels[(panel * K + k) * kSmallMatMulPanel + column] = b[k * k_stride + n * n_stride];
    }
  }
  return w;
}

void UnpackSmallMatMulWeights(const SmallMatMulWeights& w, float* b, int64_t k_stride, int64_t n_stride) {
  for (int64_t k = 0; k < w.K; ++k) {
    for (int64_t n = 0; n < w.N; ++n) {
      const int64_t panel = n / kSmallMatMulPanel, column = n % kSmallMatMulPanel;
      b[k * k_stride + n * n_stride] = w.panels[(panel * w.K + k) * kSmallMatMulPanel + column];
    }
  }
}

void ApplySmallMatMulEpilogue(const SmallMatMulEpilogue& e, float* y, int64_t n) {
  using Kind = SmallMatMulEpilogue::Kind;
  for (int64_t i = 0; i < n; ++i) {
    const float x = y[i];
    switch (e.kind) {
      case Kind::kNone: break;
      case Kind::kRelu: y[i] = x < 0.0f ? 0.0f : x; break;
      case Kind::kLeakyRelu: y[i] = x < 0.0f ? x * e.alpha : x; break;
      case Kind::kClip: y[i] = x < e.alpha ? e.alpha : (x > e.beta ? e.beta : x); break;
    }
  }
}

int64_t ThreadSmallMatMulCount() { return small_matmul_calls; }

void SmallMatMul(const float* a, int64_t M, const SmallMatMulWeights& b, const float* bias,
                 const SmallMatMulEpilogue& epilogue, float* y, const ThreadPool* pool) {
  static const SmallMatMulRowsFn rows = BestVariant();
  ++small_matmul_calls;
  constexpr int64_t kTile = 4;
  const int64_t tiles = (M + kTile - 1) / kTile;
  const int64_t macs_per_tile = kTile * b.K * b.N;
  // Below ~4M multiply-adds (~0.1 ms on one core) an OpenMP fork and join costs more than it saves.
  constexpr int64_t kParallelMacs = int64_t{1} << 22;
  if (pool == nullptr || tiles * macs_per_tile < kParallelMacs) return rows(a, 0, M, b, bias, epilogue, y);
  // Chunks start on a multiple of 4 rows; which rows share a tile does not change any result.
  pool->ParallelFor(tiles, macs_per_tile, [&](int64_t begin, int64_t end) {
    rows(a, begin * kTile, std::min(M, end * kTile), b, bias, epilogue, y);
  });
}

}  // namespace berth::dnnl_dense
