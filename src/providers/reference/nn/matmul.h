#pragma once
// Shape logic of numpy matmul, shared by MatMul and MatMulInteger.

#include <cstdint>
#include <string>
#include <vector>

#include "berth/status.h"
#include "berth/tensor.h"

namespace berth::nn {

// A [..., M, K] x B [..., K, N] with numpy broadcasting of the batch dimensions; a 1-D A is [1, K]
// with M dropped from the output, a 1-D B is [K, 1] with N dropped.
struct MatMulPlan {
  int64_t M = 0, N = 0, K = 0;
  Shape output;
  // Per broadcast batch index: element offsets of the A and B matrices (in units of matrices:
  // multiply by M*K and K*N). Empty when B has a single matrix, in which case A's batch is folded
  // into M.
  std::vector<int64_t> a_batch;
  std::vector<int64_t> b_batch;
  bool fold_a_batch = false;  // true: one GEMM of [batch*M, K] x [K, N]
  int64_t batch = 1;          // number of output matrices
};

StatusOr<MatMulPlan> PlanMatMul(const Shape& a, const Shape& b, const std::string& where);

}  // namespace berth::nn
