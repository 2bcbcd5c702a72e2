#include "engine/optimizer/optimizer.h"

#include "engine/optimizer/graph_view.h"
#include "engine/optimizer/passes.h"

namespace berth {

namespace {

struct Pass {
  const char* name;
  StatusOr<int> (*run)(Graph&);
};

StatusOr<int> RunFoldConstants(Graph& graph) { return opt::FoldConstants(graph); }

// Level 1, repeated until nothing changes: folding shapes exposes constants, folding constants
// exposes identities (a Reshape to its own shape), removing identities exposes dead nodes.
constexpr Pass kBasicPasses[] = {
    {"shape_folding", opt::FoldShapes},
    {"constant_folding", RunFoldConstants},
    {"identity_elimination", opt::EliminateIdentities},
    {"dead_node_elimination", opt::EliminateDeadNodes},
};

// Level 2, once, in this order: BN folds into Conv before Conv fusion; Gelu is fused before MatMul
// fusion so that FusedMatMul can absorb it.
constexpr Pass kFusionPasses[] = {
    {"conv_bn_folding", opt::FoldConvBatchNorm},
    {"gelu_fusion", opt::FuseGelu},
    {"layer_norm_fusion", opt::FuseLayerNorm},
    {"conv_fusion", opt::FuseConv},
    {"matmul_fusion", opt::FuseMatMul},
    {"gemm_fusion", opt::FuseGemm},
    {"dead_node_elimination", opt::EliminateDeadNodes},
};

// At most this many rounds of the basic passes (each round that changes nothing ends the loop).
constexpr int kMaxBasicRounds = 8;

}  // namespace

Status OptimizeGraph(Graph& graph, const OptimizerOptions& options) {
  if (options.level <= 0) return Status::Ok();
  // A malformed graph or one with a cycle is left to the planner, which reports the problem.
  if (!opt::IsWellFormed(graph) || !opt::SortTopologically(graph)) return Status::Ok();
  auto enabled = [&](const Pass& p) { return !options.disabled_passes.count(p.name); };
  for (int round = 0; round < kMaxBasicRounds; ++round) {
    int changes = 0;
    for (const Pass& pass : kBasicPasses) {
      if (!enabled(pass)) continue;
      auto n = pass.run(graph);
      if (!n.ok()) return n.status().WithContext(std::string("optimizer pass ") + pass.name);
      changes += *n;
    }
    if (changes == 0) break;
  }
  if (options.level >= 2) {
    for (const Pass& pass : kFusionPasses) {
      if (!enabled(pass)) continue;
      auto n = pass.run(graph);
      if (!n.ok()) return n.status().WithContext(std::string("optimizer pass ") + pass.name);
    }
  }
  return Status::Ok();
}

}  // namespace berth
