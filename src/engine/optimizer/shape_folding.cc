// Shape-subgraph folding: Shape and Size of a value whose shape is statically known (declared graph
// input shapes and ONNX shape inference, kept in Graph::value_info, completed by ShapeDeriver for
// values inference could not type before folding) become constants. When only
// some dimensions are known, Shape -> Gather(constant indices) and Shape -> Slice(constant bounds)
// fold if every selected dimension is known. Constant folding then folds the Concat/Unsqueeze/...
// chains that compute Reshape targets, so Reshape reads a constant shape.
//
// The declared shapes are trusted the way the session validates inputs against them.

#include <algorithm>

#include "engine/optimizer/graph_view.h"
#include "engine/optimizer/passes.h"
#include "engine/optimizer/shape_derivation.h"

namespace berth::opt {

namespace {

// Shape's [start, end) (opset 15) clamped to the rank.
std::pair<int64_t, int64_t> ShapeRange(const Node& node, int64_t rank) {
  int64_t start = 0, end = rank;
  if (const Attribute* a = node.FindAttribute("start")) start = a->i;
  if (const Attribute* a = node.FindAttribute("end")) end = a->i;
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, 0, rank);
  return {start, std::max(start, end)};
}

// The dims a Shape node outputs (-1 unknown), or nullopt.
std::optional<std::vector<int64_t>> ShapeOutput(ShapeDeriver& shapes, const Node& node) {
  if (node.op_type != "Shape" || !node.domain.empty() || node.inputs.empty()) return std::nullopt;
  auto dims = shapes.Dims(node.inputs[0]);
  if (!dims) return std::nullopt;
  auto [start, end] = ShapeRange(node, static_cast<int64_t>(dims->size()));
  return std::vector<int64_t>(dims->begin() + start, dims->begin() + end);
}

bool AllKnown(const std::vector<int64_t>& dims) {
  return std::all_of(dims.begin(), dims.end(), [](int64_t d) { return d >= 0; });
}

// Gather(shape, indices) with constant indices, all selected dims known.
std::optional<Tensor> FoldGather(const GraphView& view, const Node& node,
                                 const std::vector<int64_t>& dims) {
  if (node.inputs.size() != 2) return std::nullopt;
  const Tensor* idx = view.Constant(node.inputs[1]);
  if (!idx || (idx->dtype() != DataType::kInt64 && idx->dtype() != DataType::kInt32))
    return std::nullopt;
  if (const Attribute* a = node.FindAttribute("axis"); a && a->i != 0) return std::nullopt;
  const int64_t n = static_cast<int64_t>(dims.size());
  std::vector<int64_t> values;
  for (double d : TensorToDoubles(*idx)) {
    int64_t i = static_cast<int64_t>(d);
    if (i < 0) i += n;
    if (i < 0 || i >= n || dims[static_cast<size_t>(i)] < 0) return std::nullopt;
    values.push_back(dims[static_cast<size_t>(i)]);
  }
  return Tensor::FromVector<int64_t>(idx->shape(), values);
}

// Slice(shape, starts, ends[, axes[, steps]]) with constant 1-element bounds, step 1.
std::optional<Tensor> FoldSlice(const GraphView& view, const Node& node,
                                const std::vector<int64_t>& dims) {
  if (node.inputs.size() < 3) return std::nullopt;
  auto scalar = [&](size_t i, int64_t fallback) -> std::optional<int64_t> {
    if (i >= node.inputs.size() || node.inputs[i].empty()) return fallback;
    auto v = view.ScalarConstant(node.inputs[i]);
    if (!v) return std::nullopt;
    return static_cast<int64_t>(std::clamp(*v, -9.0e18, 9.0e18));
  };
  auto start = scalar(1, 0), end = scalar(2, 0), axis = scalar(3, 0), step = scalar(4, 1);
  if (!start || !end || !axis || !step || (*axis != 0 && *axis != -1) || *step != 1)
    return std::nullopt;
  const int64_t n = static_cast<int64_t>(dims.size());
  int64_t s = *start < 0 ? *start + n : *start;
  int64_t e = *end < 0 ? *end + n : *end;
  s = std::clamp<int64_t>(s, 0, n);
  e = std::clamp<int64_t>(e, 0, n);
  std::vector<int64_t> values;
  for (int64_t i = s; i < e; ++i) {
    if (dims[static_cast<size_t>(i)] < 0) return std::nullopt;
    values.push_back(dims[static_cast<size_t>(i)]);
  }
  return Tensor::FromVector<int64_t>({static_cast<int64_t>(values.size())}, values);
}

}  // namespace

StatusOr<int> FoldShapes(Graph& graph) {
  GraphView view(graph);
  ShapeDeriver shapes(view);
  std::vector<bool> remove(graph.nodes.size(), false);
  std::map<std::string, Tensor> folded;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    if (!node.domain.empty() || node.outputs.empty() || node.outputs[0].empty()) continue;
    const std::string& out = node.outputs[0];
    if (view.IsGraphOutput(out) || graph.initializers.count(out)) continue;
    std::optional<Tensor> value;
    if (node.op_type == "Size" && !node.inputs.empty()) {
      auto dims = shapes.Dims(node.inputs[0]);
      if (dims && AllKnown(*dims)) value = Tensor::Scalar<int64_t>(NumElements(*dims));
    } else if (node.op_type == "Shape") {
      auto dims = ShapeOutput(shapes, node);
      if (dims && AllKnown(*dims)) {
        value = Tensor::FromVector<int64_t>({static_cast<int64_t>(dims->size())}, *dims);
      }
    } else if ((node.op_type == "Gather" || node.op_type == "Slice") && !node.inputs.empty()) {
      const int p = view.Producer(node.inputs[0]);
      if (p < 0) continue;
      auto dims = ShapeOutput(shapes, graph.nodes[static_cast<size_t>(p)]);
      if (!dims) continue;
      value =
          node.op_type == "Gather" ? FoldGather(view, node, *dims) : FoldSlice(view, node, *dims);
    }
    if (!value) continue;
    folded[out] = std::move(*value);
    remove[n] = true;
  }
  if (folded.empty()) return 0;
  for (auto& [name, t] : folded) graph.initializers[name] = std::move(t);
  RemoveNodes(graph, remove);
  return static_cast<int>(folded.size());
}

}  // namespace berth::opt
