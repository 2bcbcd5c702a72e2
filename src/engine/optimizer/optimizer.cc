#include "engine/optimizer/optimizer.h"

namespace berth {

Status OptimizeGraph(Graph& graph, const OptimizerOptions& options) {
  (void)graph;
  (void)options;
  return Status::Ok();
}

}  // namespace berth
