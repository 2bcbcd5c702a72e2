#pragma once
// Products with small constant weights (K x N up to kSmallMatMulMaxWeights), computed without oneDNN.
//
// A oneDNN call costs ~1-2 us of fixed work (memory objects, argument map, primitive dispatch) before
// the first multiply; a tabular MLP layer such as 32x64 is ~0.1 us of arithmetic. For such layers
// MatMulDnnl runs this kernel instead (`berth bench` on bench/serve's 32-64-10 MLP: 3 -> 1 us per run).
//
// Every output element is bias (or 0) plus the products a[m,k] * b[k,n] added in increasing k, the
// same instruction sequence for every row and every row count, so a row's result does not depend on
// the batch it ran in (dynamic batching stays byte-identical to unbatched runs). Which ISA variant
// runs is fixed per process (the CPU's best).
//
// Thread-safety: a SmallMatMulWeights is immutable once made; SmallMatMul may run concurrently.

#include <cstdint>
#include <memory>

#include "engine/thread_pool.h"

namespace berth::dnnl_dense {

// Largest K * N taken (64 KiB of float32 weights: they stay in L2 while every row streams them).
constexpr int64_t kSmallMatMulMaxWeights = 16 * 1024;

// Columns per panel of the packed weights; N is padded up to a multiple.
constexpr int64_t kSmallMatMulPanel = 16;

// B packed as panels of kSmallMatMulPanel columns: panel p holds b[k][p*16 .. p*16+15] for k in
// [0, K), contiguous, zero beyond N.
struct SmallMatMulWeights {
  int64_t K = 0, N = 0;
  std::unique_ptr<float[]> panels;  // (N rounded up to 16) * K floats
};

// Packs the K x N matrix b, whose element (k, n) is at b[k * k_stride + n * n_stride].
SmallMatMulWeights PackSmallMatMulWeights(const float* b, int64_t K, int64_t N, int64_t k_stride,
                                          int64_t n_stride);

// The inverse: writes B's element (k, n) to b[k * k_stride + n * n_stride].
void UnpackSmallMatMulWeights(const SmallMatMulWeights& w, float* b, int64_t k_stride, int64_t n_stride);

// What is applied to each output element after the bias.
struct SmallMatMulEpilogue {
  enum class Kind { kNone, kRelu, kLeakyRelu, kClip };
  Kind kind = Kind::kNone;
  float alpha = 0;  // LeakyRelu slope; Clip minimum
  float beta = 0;   // Clip maximum
};

// y[i] = epilogue(y[i]) for i in [0, n).
void ApplySmallMatMulEpilogue(const SmallMatMulEpilogue& epilogue, float* y, int64_t n);

// y[M, N] = epilogue(a[M, K] * B + bias[N]); a and y are row-major; bias may be null. Rows are split
// over `pool` when the product is large enough to pay for it.
void SmallMatMul(const float* a, int64_t M, const SmallMatMulWeights& b, const float* bias,
                 const SmallMatMulEpilogue& epilogue, float* y, const ThreadPool* pool);

// How many SmallMatMul calls the calling thread has made (tests use it to tell that this kernel, not
// oneDNN or the fallback, ran a node).
int64_t ThreadSmallMatMulCount();

// The ISA variants (small_matmul_<isa>.cc): rows [row_begin, row_end) of the product.
using SmallMatMulRowsFn = void (*)(const float* a, int64_t row_begin, int64_t row_end,
                                   const SmallMatMulWeights& b, const float* bias,
                                   const SmallMatMulEpilogue& epilogue, float* y);
void f32_small_matmul_4x16__avx512(const float* a, int64_t row_begin, int64_t row_end,
                                   const SmallMatMulWeights& b, const float* bias,
                                   const SmallMatMulEpilogue& epilogue, float* y);
void f32_small_matmul_4x16__avx2(const float* a, int64_t row_begin, int64_t row_end,
                                 const SmallMatMulWeights& b, const float* bias,
                                 const SmallMatMulEpilogue& epilogue, float* y);
void f32_small_matmul_4x16__generic(const float* a, int64_t row_begin, int64_t row_end,
                                    const SmallMatMulWeights& b, const float* bias,
                                    const SmallMatMulEpilogue& epilogue, float* y);

}  // namespace berth::dnnl_dense
