#pragma once
// Graph optimizer: rewrites a model's graph before it is planned (constant folding, eliminations,
// fusions). Each pass lives in its own file in this folder (listed in passes.h); optimizer.cc runs
// them in order. Only the top-level graph is rewritten; subgraph bodies (If/Loop/Scan) are left as
// they are and every value they read from the outer scope is kept.

#include <set>
#include <string>

#include "berth/status.h"
#include "engine/graph.h"

namespace berth {

struct OptimizerOptions {
  OptimizerOptions() = default;
  explicit OptimizerOptions(int optimization_level) : level(optimization_level) {}

  int level = 2;  // as SessionOptions::optimization_level: 0 none, 1 basic, 2 all
  // Passes to skip, by name ("constant_folding", "shape_folding", "identity_elimination",
  // "dead_node_elimination", "conv_bn_folding", "gelu_fusion", "layer_norm_fusion", "conv_fusion",
  // "matmul_fusion", "gemm_fusion"); for tests and for bisecting a suspected optimizer bug.
  std::set<std::string> disabled_passes;
};

// Rewrites `graph` in place; outputs of the optimized graph equal the original's within float
// tolerance.
Status OptimizeGraph(Graph& graph, const OptimizerOptions& options);

}  // namespace berth
