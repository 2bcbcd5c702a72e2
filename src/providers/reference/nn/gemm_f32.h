#pragma once
// Matrix multiplication routines shared by MatMul, Gemm, Conv and ConvTranspose.
//
// All matrices are row-major with explicit leading dimensions (elements between consecutive rows of
// the matrix as stored, i.e. before any transposition). Both routines compute
//     C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C
// where op(X) is X or X^T. beta == 0 overwrites C without reading it (NaNs already in C vanish).
// Thread-safety: pure functions of their arguments; concurrent calls on disjoint C are safe.

#include <cstdint>
#include <type_traits>

namespace berth::nn {

// float32: packed, cache-blocked GEMM with a register-tiled micro-kernel. Allocates its packing
// buffers once per call (never per element).
void GemmF32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
             const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
             int64_t ldc);

// Any arithmetic type (double, integers): a plain i-k-j loop, exact for integers (wrapping like the
// element type does).
template <typename T>
void GemmRef(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
             int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    T* c = C + i * ldc;
    if (beta == T(0)) {
      for (int64_t j = 0; j < N; ++j) c[j] = T(0);
    } else if (beta != T(1)) {
      for (int64_t j = 0; j < N; ++j) c[j] = static_cast<T>(c[j] * beta);
    }
    for (int64_t k = 0; k < K; ++k) {
      T a = trans_a ? A[k * lda + i] : A[i * lda + k];
      if (alpha != T(1)) a = static_cast<T>(a * alpha);
      if (!trans_b) {
        const T* b = B + k * ldb;
        for (int64_t j = 0; j < N; ++j) c[j] = static_cast<T>(c[j] + a * b[j]);
      } else {
        for (int64_t j = 0; j < N; ++j) c[j] = static_cast<T>(c[j] + a * B[j * ldb + k]);
      }
    }
  }
}

// Dispatches to GemmF32 for float and GemmRef otherwise.
template <typename T>
inline void Gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                 int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if constexpr (std::is_same_v<T, float>) {
    GemmF32(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  } else {
    GemmRef(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  }
}

}  // namespace berth::nn
