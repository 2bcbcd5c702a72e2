#pragma once
// MatMul, Gemm and their fused forms (com.berth FusedMatMul / FusedGemm) on oneDNN's matmul
// primitive. One kernel class serves all four: Gemm is a 2-D MatMul with optional transposes,
// alpha, and beta * C; the fused forms add an activation as a post-op.
//
// A constant B (weights) is reordered once into the blocked layout the primitive asks for and kept:
// one copy per (weights buffer, layout) in the whole process, so nodes that share an initializer
// (as exporters emit for tied or deduplicated weights) and sessions of the same loaded model share
// it, and all shapes of A reuse it. Primitives are cached per input shapes. Thread-safety:
// Compute() may run concurrently (see eltwise.h).

#include <memory>
#include <mutex>
#include <vector>

#include "providers/dnnl/eltwise.h"
#include "providers/dnnl/small_matmul.h"

namespace berth::dnnl_dense {

struct MatMulConfig {
  bool gemm = false;  // Gemm semantics: 2-D operands, transposes, alpha, beta * C (input 2)
  bool trans_a = false;
  bool trans_b = false;
  float alpha = 1.0f;
  float beta = 1.0f;
  // FusedMatMul: input 2 is a 1-D bias of size N added before the activation.
  Activation activation;
};

// Constant weights reordered into a primitive's layout. The process-wide cache finds a pack by its
// source buffer (a weak handle: once the plain weights are freed, the pack can no longer be found, so
// a later buffer at the same address never matches it; kernels holding the pack keep using it).
struct PackedWeights {
  std::weak_ptr<void> source;  // Tensor::WeakBuffer() of the plain weights
  const void* source_data = nullptr;
  Shape source_shape;
  dnnl::memory::desc user, packed;
  std::shared_ptr<void> data;
};

// The process-wide pack of `source` (described by `user`) into layout `packed`; null on failure.
// Thread-safe.
std::shared_ptr<const PackedWeights> SharedPack(const Tensor& source,
                                                const dnnl::memory::desc& user,
                                                const dnnl::memory::desc& packed);

class MatMulDnnl : public DnnlKernel {
 public:
  // `constant_b`: the value of B if it is a constant of the graph (prepacked on first use), else
  // null.
  // A 2-D constant B is packed here, at session creation (its layout does not depend on M); the kernel
  // then declines reading it at run time (OpKernel::ReadsConstantInput) so the plain copy can go.
  MatMulDnnl(std::unique_ptr<OpKernel> fallback, MatMulConfig config, const Tensor* constant_b);
  Status Compute(KernelContext& ctx) const override;
  bool ReadsConstantInput(int i) const override { return i != 1 || !(prepacked_ || small_b_); }
  void ConstantInputReleased(int i) override;

 private:
  // How input 2 (bias / C) enters the computation.
  enum class CMode { kNone, kBias, kSum };
  struct Problem {
    dnnl::memory::desc src, wei, dst, bias;
    Shape output;
    CMode c_mode = CMode::kNone;
    int64_t M = 0, N = 0;  // Gemm: the 2-D output, for broadcasting C into it (kSum)
    bool serial = false;   // small enough to run on the calling thread alone
  };
  struct Entry {
    Problem problem;
    dnnl::matmul::primitive_desc pd;
    dnnl::matmul prim;
    std::shared_ptr<const PackedWeights>
        packed_b;  // B in pd.weights_desc() when it differs from problem.wei
  };

  // False when oneDNN cannot take these shapes (the reference kernel runs them or reports the
  // error). MakeEntry: null when oneDNN has no fast implementation for the problem.
  bool PlanProblem(const Tensor& a, const Shape& b_shape, const Tensor* c, Problem* p) const;
  std::shared_ptr<const Entry> MakeEntry(const Problem& p, bool pack_b) const;
  std::shared_ptr<const PackedWeights> PackB(const dnnl::memory::desc& user,
                                             const dnnl::memory::desc& packed) const;

  // The plain B rebuilt from a pack, oneDNN's or SmallMatMul's (fallback runs after the plain copy was
  // released).
  StatusOr<Tensor> UnpackB() const;

  // Runs the node on SmallMatMul when this run's shapes allow it (else false: oneDNN runs it).
  bool ComputeSmall(KernelContext& ctx, const Tensor& a, const Tensor* c) const;

  MatMulConfig config_;
  Tensor constant_b_;  // undefined unless B is a graph constant (and not released)
  Shape b_shape_;      // B's shape when it is a graph constant
  dnnl::memory::desc b_user_;  // how a constant B's plain buffer is laid out (2-D [K, N] view)
  bool prepacked_ = false;     // packed at creation: B need not be read at run time
  bool b_released_ = false;    // the plain B is gone (set before any run)
  // Set when B is a small 2-D constant and the node's arithmetic is one SmallMatMul does (see
  // small_matmul.h): then this node never calls oneDNN, and the plain B may go (the pack replaces
  // it, as oneDNN's does).
  std::unique_ptr<const SmallMatMulWeights> small_b_;
  SmallMatMulEpilogue small_epilogue_;
  PrimitiveCache<Entry> cache_;
  mutable std::mutex pack_mu_;  // guards packed_
  mutable std::vector<std::shared_ptr<const PackedWeights>>
      packed_;  // outlive evicted cache entries
};

}  // namespace berth::dnnl_dense
