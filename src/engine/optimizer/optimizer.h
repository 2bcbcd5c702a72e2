#pragma once
// Graph optimizer: rewrites a model's graph before it is planned (constant folding, eliminations,
// fusions). Each pass lives in its own file in this folder; optimizer.cc lists them in order.

#include "berth/status.h"
#include "engine/graph.h"

namespace berth {

struct OptimizerOptions {
  int level = 2;  // as SessionOptions::optimization_level
};

// Rewrites `graph` in place; outputs of the optimized graph equal the original's within float tolerance.
Status OptimizeGraph(Graph& graph, const OptimizerOptions& options);

}  // namespace berth
