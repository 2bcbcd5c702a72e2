#pragma once
// Dimensions of values that ONNX shape inference left without a shape, derived from their
// producers. ONNX infers shapes once, at import, before constant folding: a Slice or Reshape whose
// bounds were computed from Shape() at that time has no inferred shape, although after folding the
// bounds are constants. This walks producers (memoised) through the operators transformer and CNN
// exports are made of, so that shape folding can fold Shape -> Gather of the dimensions that are
// static (e.g. sequence length and hidden size with a dynamic batch).
//
// Each result is the rank and, per dimension, a number or -1 (unknown). Rules only claim a number
// the operator's semantics guarantee for every valid input.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/optimizer/graph_view.h"

namespace berth::opt {

class ShapeDeriver {
 public:
  explicit ShapeDeriver(const GraphView& view) : view_(view) {}

  // Dims of `name` (-1: unknown), or nullopt when even the rank is unknown.
  std::optional<std::vector<int64_t>> Dims(const std::string& name);

 private:
  std::optional<std::vector<int64_t>> Derive(const Node& node, size_t output);
  std::optional<std::vector<int64_t>> ConstantInts(const std::string& name) const;

  const GraphView& view_;
  std::map<std::string, std::optional<std::vector<int64_t>>> memo_;
  int depth_ = 0;
};

}  // namespace berth::opt
