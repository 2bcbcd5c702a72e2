// The small-product kernel (small_matmul.h) for any x86-64 CPU (SSE2): 4 floats per register.
// Built with the default flags; small_matmul.cc calls it on CPUs without AVX2.

#include "providers/dnnl/small_matmul.h"

namespace berth::dnnl_dense {
namespace {

constexpr int kLanes = 4;
typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));

#include "providers/dnnl/small_matmul_kernel.inc"

}  // namespace

void f32_small_matmul_4x16__generic(const float* a, int64_t row_begin, int64_t row_end,
                                    const SmallMatMulWeights& b, const float* bias,
                                    const SmallMatMulEpilogue& epilogue, float* y) {
  SmallMatMulRows(a, row_begin, row_end, b, bias, epilogue, y);
}

}  // namespace berth::dnnl_dense
