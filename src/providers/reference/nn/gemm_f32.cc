// f32 GEMM in the style of BLIS/GotoBLAS: C is computed in blocks of kMc x kNc, accumulating over
// the shared dimension in steps of kKc. For each step a kKc x kNc block of op(B) is packed into
// column panels of kNr, and a kMc x kKc block of op(A) into row panels of kMr, so the micro-kernel
// streams both operands contiguously and keeps a kMr x kNr tile of C in registers.
//
// The micro-kernel uses GCC/Clang vector extensions, which compile to whatever SIMD the target
// has (SSE2 on plain x86-64, AVX when built with it, NEON on arm64) and to scalar code elsewhere.

#include "providers/reference/nn/gemm_f32.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace berth::nn {
namespace {

#if defined(__GNUC__) || defined(__clang__)
#define BERTH_GEMM_VECTOR_EXT 1
#if defined(__AVX__)
constexpr int kVec = 8;
typedef float VecF __attribute__((vector_size(32)));
#else
constexpr int kVec = 4;
typedef float VecF __attribute__((vector_size(16)));
#endif
#else
constexpr int kVec = 4;
#endif

constexpr int kMr = 6;         // rows of the register tile
constexpr int kNr = 2 * kVec;  // columns of the register tile
constexpr int64_t kMc = 120;   // rows of A per packed block (multiple of kMr)
constexpr int64_t kKc = 256;   // depth per packed block
constexpr int64_t kNc = 2048;  // columns of B per packed block (multiple of kNr)

// Packs rows [i0, i0+mc) x depth [p0, p0+kc) of op(A) into panels of kMr rows: panel-major, then k,
// then row. Rows past mc are zero so the micro-kernel never branches on them.
void PackA(bool trans_a, const float* A, int64_t lda, int64_t i0, int64_t mc, int64_t p0,
           int64_t kc, float* dst) {
  for (int64_t ir = 0; ir < mc; ir += kMr) {
    const int64_t rows = std::min<int64_t>(kMr, mc - ir);
    if (!trans_a) {
      for (int64_t r = 0; r < kMr; ++r) {
        if (r < rows) {
          const float* src = A + (i0 + ir + r) * lda + p0;
          for (int64_t k = 0; k < kc; ++k) dst[k * kMr + r] = src[k];
        } else {
          for (int64_t k = 0; k < kc; ++k) dst[k * kMr + r] = 0.0f;
        }
      }
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = A + (p0 + k) * lda + i0 + ir;
        int64_t r = 0;
        for (; r < rows; ++r) dst[k * kMr + r] = src[r];
        for (; r < kMr; ++r) dst[k * kMr + r] = 0.0f;
      }
    }
    dst += kc * kMr;
  }
}

// Packs depth [p0, p0+kc) x columns [j0, j0+nc) of op(B) into panels of kNr columns: panel-major,
// then k, then column. Columns past nc are zero.
void PackB(bool trans_b, const float* B, int64_t ldb, int64_t p0, int64_t kc, int64_t j0,
           int64_t nc, float* dst) {
  for (int64_t jr = 0; jr < nc; jr += kNr) {
    const int64_t cols = std::min<int64_t>(kNr, nc - jr);
    if (!trans_b) {
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = B + (p0 + k) * ldb + j0 + jr;
        float* d = dst + k * kNr;
        int64_t j = 0;
        for (; j < cols; ++j) d[j] = src[j];
        for (; j < kNr; ++j) d[j] = 0.0f;
      }
    } else {
      for (int64_t j = 0; j < kNr; ++j) {
        if (j < cols) {
          const float* src = B + (j0 + jr + j) * ldb + p0;
          for (int64_t k = 0; k < kc; ++k) dst[k * kNr + j] = src[k];
        } else {
          for (int64_t k = 0; k < kc; ++k) dst[k * kNr + j] = 0.0f;
        }
      }
    }
    dst += kc * kNr;
  }
}

// C[0:mr, 0:nr] += alpha * (packed A panel) x (packed B panel), depth kc.
void MicroKernel(int64_t kc, const float* a, const float* b, float alpha, float* c, int64_t ldc,
                 int64_t mr, int64_t nr) {
#ifdef BERTH_GEMM_VECTOR_EXT
  VecF acc[kMr][2];
  for (int r = 0; r < kMr; ++r) {
    acc[r][0] = VecF{};
    acc[r][1] = VecF{};
  }
  for (int64_t k = 0; k < kc; ++k) {
    VecF b0, b1;
    std::memcpy(&b0, b, sizeof(VecF));
    std::memcpy(&b1, b + kVec, sizeof(VecF));
    for (int r = 0; r < kMr; ++r) {
      const float av = a[r];
      acc[r][0] += av * b0;
      acc[r][1] += av * b1;
    }
    a += kMr;
    b += kNr;
  }
  if (mr == kMr && nr == kNr) {
    for (int r = 0; r < kMr; ++r) {
      float* cr = c + r * ldc;
      VecF c0, c1;
      std::memcpy(&c0, cr, sizeof(VecF));
      std::memcpy(&c1, cr + kVec, sizeof(VecF));
      c0 += alpha * acc[r][0];
      c1 += alpha * acc[r][1];
      std::memcpy(cr, &c0, sizeof(VecF));
      std::memcpy(cr + kVec, &c1, sizeof(VecF));
    }
    return;
  }
  float tile[kMr][kNr];
  for (int r = 0; r < kMr; ++r) {
    std::memcpy(&tile[r][0], &acc[r][0], sizeof(VecF));
    std::memcpy(&tile[r][kVec], &acc[r][1], sizeof(VecF));
  }
#else
  float tile[kMr][kNr] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int r = 0; r < kMr; ++r) {
      const float av = a[r];
      for (int j = 0; j < kNr; ++j) tile[r][j] += av * b[j];
    }
    a += kMr;
    b += kNr;
  }
#endif
  for (int64_t r = 0; r < mr; ++r) {
    float* cr = c + r * ldc;
    for (int64_t j = 0; j < nr; ++j) cr[j] += alpha * tile[r][j];
  }
}

// y[0:n] += alpha * x[0:n]
void Axpy(int64_t n, float alpha, const float* x, float* y) {
  int64_t i = 0;
#ifdef BERTH_GEMM_VECTOR_EXT
  for (; i + kVec <= n; i += kVec) {
    VecF xv, yv;
    std::memcpy(&xv, x + i, sizeof(VecF));
    std::memcpy(&yv, y + i, sizeof(VecF));
    yv += alpha * xv;
    std::memcpy(y + i, &yv, sizeof(VecF));
  }
#endif
  for (; i < n; ++i) y[i] += alpha * x[i];
}

// sum x[0:n] * y[0:n], with several partial sums so the loop vectorises without -ffast-math.
float Dot(int64_t n, const float* x, const float* y) {
  int64_t i = 0;
  float sum = 0.0f;
#ifdef BERTH_GEMM_VECTOR_EXT
  VecF acc0{}, acc1{};
  for (; i + 2 * kVec <= n; i += 2 * kVec) {
    VecF x0, x1, y0, y1;
    std::memcpy(&x0, x + i, sizeof(VecF));
    std::memcpy(&x1, x + i + kVec, sizeof(VecF));
    std::memcpy(&y0, y + i, sizeof(VecF));
    std::memcpy(&y1, y + i + kVec, sizeof(VecF));
    acc0 += x0 * y0;
    acc1 += x1 * y1;
  }
  acc0 += acc1;
  for (int j = 0; j < kVec; ++j) sum += acc0[j];
#endif
  for (; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

// Few rows of C (matrix-vector products, e.g. a fully connected layer at batch 1): packing B would
// cost as much as the product itself, so stream B directly.
void GemmSmallM(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc) {
  std::vector<float> row(static_cast<size_t>(K));
  for (int64_t i = 0; i < M; ++i) {
    const float* a = A + i * lda;
    if (trans_a) {
      for (int64_t k = 0; k < K; ++k) row[static_cast<size_t>(k)] = A[k * lda + i];
      a = row.data();
    }
    float* c = C + i * ldc;
    if (trans_b) {
      for (int64_t j = 0; j < N; ++j) c[j] += alpha * Dot(K, a, B + j * ldb);
    } else {
      for (int64_t k = 0; k < K; ++k) Axpy(N, alpha * a[k], B + k * ldb, c);
    }
  }
}

}  // namespace

void GemmF32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
             const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
             int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  for (int64_t i = 0; i < M; ++i) {
    float* c = C + i * ldc;
    if (beta == 0.0f) {
      std::fill(c, c + N, 0.0f);
    } else if (beta != 1.0f) {
      for (int64_t j = 0; j < N; ++j) c[j] *= beta;
    }
  }
  if (K <= 0 || alpha == 0.0f) return;
  if (M < kMr) {
    GemmSmallM(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, C, ldc);
    return;
  }

  const int64_t nc_max = std::min(kNc, (N + kNr - 1) / kNr * kNr);
  const int64_t kc_max = std::min(kKc, K);
  const int64_t mc_max = std::min(kMc, (M + kMr - 1) / kMr * kMr);
  std::vector<float> packed_b(static_cast<size_t>(nc_max * kc_max));
  std::vector<float> packed_a(static_cast<size_t>(mc_max * kc_max));

  for (int64_t jc = 0; jc < N; jc += kNc) {
    const int64_t nc = std::min(kNc, N - jc);
    for (int64_t pc = 0; pc < K; pc += kKc) {
      const int64_t kc = std::min(kKc, K - pc);
      PackB(trans_b, B, ldb, pc, kc, jc, nc, packed_b.data());
      for (int64_t ic = 0; ic < M; ic += kMc) {
        const int64_t mc = std::min(kMc, M - ic);
        PackA(trans_a, A, lda, ic, mc, pc, kc, packed_a.data());
        for (int64_t jr = 0; jr < nc; jr += kNr) {
          const float* bp = packed_b.data() + (jr / kNr) * kc * kNr;
          const int64_t nr = std::min<int64_t>(kNr, nc - jr);
          for (int64_t ir = 0; ir < mc; ir += kMr) {
            const float* ap = packed_a.data() + (ir / kMr) * kc * kMr;
            const int64_t mr = std::min<int64_t>(kMr, mc - ir);
            MicroKernel(kc, ap, bp, alpha, C + (ic + ir) * ldc + jc + jr, ldc, mr, nr);
          }
        }
      }
    }
  }
}

}  // namespace berth::nn
