#pragma once
// The optimizer's passes, one per file in this folder. Each rewrites the top-level graph in place
// and returns how many rewrites it made (0: graph unchanged). None of them changes what the graph
// computes beyond float rounding; each has a test that checks exactly that.
//
// Level 1 (basic):
//   FoldConstants        nodes whose inputs are all constants (and Constant nodes) -> initializers
//   FoldShapes           Shape/Size (and Gather/Slice of a Shape) of statically shaped values ->
//   constants EliminateIdentities  Identity, inference Dropout, same-type Cast, no-op
//   Reshape/Flatten/Expand EliminateDeadNodes   nodes and initializers nobody reads; unread node
//   outputs become ""
// Level 2 (all):
//   FoldConvBatchNorm    Conv -> BatchNormalization folded into the Conv's weights and bias
//   FuseGelu             the erf and tanh forms of Gelu -> com.berth Gelu
//   FuseLayerNorm        ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div(/Mul/Add) -> com.berth
//   LayerNormalization FuseConv             Conv (+ Add residual) (+ activation) -> com.berth
//   FusedConv FuseMatMul           MatMul (+ Add bias) (+ activation) -> com.berth FusedMatMul
//   FuseGemm             Gemm + activation -> com.berth FusedGemm
// The com.berth operators' contract is in providers/reference/fused/fused_ops.h.

#include "berth/status.h"
#include "engine/graph.h"

namespace berth::opt {

// The domain of Berth's own fused operators.
inline constexpr const char* kBerthDomain = "com.berth";

struct ConstantFoldingOptions {
  // A folded output larger than this many bytes is kept only if it is at most `growth` times the
  // size of the node's inputs (so that e.g. an Expand does not bloat the model).
  size_t small_bytes = size_t{1} << 20;
  double growth = 4.0;
};

StatusOr<int> FoldConstants(Graph& graph, const ConstantFoldingOptions& options = {});
StatusOr<int> FoldShapes(Graph& graph);
StatusOr<int> EliminateIdentities(Graph& graph);
StatusOr<int> EliminateDeadNodes(Graph& graph);

StatusOr<int> FoldConvBatchNorm(Graph& graph);
StatusOr<int> FuseGelu(Graph& graph);
StatusOr<int> FuseLayerNorm(Graph& graph);
StatusOr<int> FuseConv(Graph& graph);
StatusOr<int> FuseMatMul(Graph& graph);
StatusOr<int> FuseGemm(Graph& graph);

}  // namespace berth::opt
