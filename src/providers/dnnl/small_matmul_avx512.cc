// The small-product kernel (small_matmul.h) for CPUs with AVX-512F (and FMA): 16 floats per register.
// CMakeLists.txt compiles *_avx512.cc with that ISA's flags; small_matmul.cc calls it only on a CPU
// that has it.

#include "providers/dnnl/small_matmul.h"

namespace berth::dnnl_dense {
namespace {

constexpr int kLanes = 16;
typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));

#include "providers/dnnl/small_matmul_kernel.inc"

}  // namespace

void f32_small_matmul_4x16__avx512(const float* a, int64_t row_begin, int64_t row_end,
                                   const SmallMatMulWeights& b, const float* bias,
                                   const SmallMatMulEpilogue& epilogue, float* y) {
  SmallMatMulRows(a, row_begin, row_end, b, bias, epilogue, y);
}

}  // namespace berth::dnnl_dense
