// LayerNorm fusion: the decomposition exporters emit below opset 17
//   mean = ReduceMean(x, axes)          d = Sub(x, mean)          v = ReduceMean(Pow(d, 2), axes)
//   y = Div(d, Sqrt(Add(v, epsilon)))   [y = Mul(y, scale)]       [y = Add(y, bias)]
// (axes: the trailing k axes, keepdims=1; Pow(d, 2) may be Mul(d, d)) becomes one com.berth
// LayerNormalization(X, Scale, B) with axis = -k and ai.onnx-17 semantics. Scale and B must be
// constants varying only over the normalised axes; without a Mul the Scale is ones. Every
// intermediate except d (read by Pow and Div) must have exactly one reader and not be a graph
// output; only float32.

#include <algorithm>

#include "engine/optimizer/graph_view.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {

namespace {

class LayerNormMatcher {
 public:
  LayerNormMatcher(const Graph& graph, const GraphView& view) : graph_(graph), view_(view) {}

  const Node* Next(const std::string& name, const char* op, int* index) const {
    const int c = view_.SoleConsumer(name);
    if (c < 0) return nullptr;
    const Node& n = graph_.nodes[static_cast<size_t>(c)];
    if (n.op_type != op || !n.domain.empty() || n.outputs.size() != 1) return nullptr;
    *index = c;
    return &n;
  }

  // ReduceMean's axes as negative numbers (sorted) if they are the trailing k axes with keepdims=1.
  std::optional<int64_t> TrailingAxes(const Node& reduce, const std::string& x) const {
    if (reduce.op_type != "ReduceMean" || !reduce.domain.empty() || reduce.outputs.size() != 1)
      return std::nullopt;
    if (const Attribute* k = reduce.FindAttribute("keepdims"); k && k->i != 1) return std::nullopt;
    std::vector<int64_t> axes;
    if (const Attribute* a = reduce.FindAttribute("axes")) {
      axes = a->ints;
    } else if (reduce.inputs.size() > 1 && !reduce.inputs[1].empty()) {
      const Tensor* t = view_.Constant(reduce.inputs[1]);
      if (!t) return std::nullopt;
      for (double v : TensorToDoubles(*t)) axes.push_back(static_cast<int64_t>(v));
    }
    if (axes.empty()) return std::nullopt;
    const auto rank = view_.Rank(x);
    for (int64_t& a : axes) {
      if (a >= 0) {
        if (!rank) return std::nullopt;
        a -= *rank;
      }
    }
    std::sort(axes.begin(), axes.end());
    const int64_t k = static_cast<int64_t>(axes.size());
    for (int64_t i = 0; i < k; ++i)
      if (axes[static_cast<size_t>(i)] != -k + i) return std::nullopt;
    if (rank && k > *rank) return std::nullopt;
    return -k;
  }

  // A constant parameter for the normalised axes [axis, rank): its shape with leading 1s stripped
  // must have at most -axis dimensions.
  bool IsAffineParam(const std::string& name, const std::string& x, int64_t axis) const {
    const Tensor* t = view_.Constant(name);
    if (!t || t->dtype() != DataType::kFloat32) return false;
    // More dimensions than X would broadcast the output to a higher rank.
    const auto rank = view_.Rank(x);
    if (t->rank() > (rank ? *rank : -axis)) return false;
    Shape s = t->shape();
    while (!s.empty() && s.front() == 1) s.erase(s.begin());
    return static_cast<int64_t>(s.size()) <= -axis;
  }

 private:
  const Graph& graph_;
  const GraphView& view_;
};

}  // namespace

StatusOr<int> FuseLayerNorm(Graph& graph) {
  GraphView view(graph);
  NameAllocator names(graph);
  LayerNormMatcher match(graph, view);
  std::vector<bool> remove(graph.nodes.size(), false);
  std::vector<std::pair<size_t, Node>> replacements;
  std::map<std::string, Tensor> new_initializers;
  for (size_t r = 0; r < graph.nodes.size(); ++r) {
    const Node& mean = graph.nodes[r];
    if (mean.op_type != "ReduceMean" || !mean.domain.empty() || mean.inputs.empty() || remove[r])
      continue;
    const std::string x = mean.inputs[0];
    if (view.Dtype(x) != DataType::kFloat32) continue;
    auto axis = match.TrailingAxes(mean, x);
    if (!axis) continue;
    std::vector<int> nodes = {static_cast<int>(r)};
    int idx = -1;
    const Node* sub = match.Next(mean.outputs[0], "Sub", &idx);
    if (!sub || sub->inputs.size() != 2 || sub->inputs[0] != x || sub->inputs[1] != mean.outputs[0])
      continue;
    nodes.push_back(idx);
    const std::string d = sub->outputs[0];
    // d has two readers: the square and the Div.
    if (view.IsGraphOutput(d) || view.IsPinned(d) || view.Consumers(d).size() != 2) continue;
    const Node* square = nullptr;
    const Node* div = nullptr;
    int square_idx = -1, div_idx = -1;
    for (size_t c : view.Consumers(d)) {
      const Node& n = graph.nodes[c];
      if (n.domain.empty() && n.op_type == "Div" && n.inputs.size() == 2 && n.inputs[0] == d) {
        div = &n;
        div_idx = static_cast<int>(c);
      } else if (n.domain.empty() && n.inputs.size() == 2 &&
                 ((n.op_type == "Pow" && n.inputs[0] == d &&
                   view.ScalarConstant(n.inputs[1]) == 2.0) ||
                  (n.op_type == "Mul" && n.inputs[0] == d && n.inputs[1] == d))) {
        square = &n;
        square_idx = static_cast<int>(c);
      }
    }
    if (!square || !div) continue;
    nodes.push_back(square_idx);
    const Node* var = match.Next(square->outputs[0], "ReduceMean", &idx);
    if (!var || match.TrailingAxes(*var, x) != axis) continue;  // Pow keeps X's rank
    nodes.push_back(idx);
    const Node* add_eps = match.Next(var->outputs[0], "Add", &idx);
    if (!add_eps || add_eps->inputs.size() != 2) continue;
    const std::string eps_name =
        add_eps->inputs[0] == var->outputs[0] ? add_eps->inputs[1] : add_eps->inputs[0];
    auto eps = view.ScalarConstant(eps_name);
    if (!eps || *eps < 0) continue;
    nodes.push_back(idx);
    const Node* sqrt = match.Next(add_eps->outputs[0], "Sqrt", &idx);
    if (!sqrt) continue;
    nodes.push_back(idx);
    if (view.SoleConsumer(sqrt->outputs[0]) != div_idx || div->inputs[1] != sqrt->outputs[0])
      continue;
    nodes.push_back(div_idx);
    std::string current = div->outputs[0];
    int last = div_idx;
    std::string scale, bias;
    if (const Node* mul = match.Next(current, "Mul", &idx); mul && mul->inputs.size() == 2) {
      const std::string p = mul->inputs[0] == current ? mul->inputs[1] : mul->inputs[0];
      if (p != current && match.IsAffineParam(p, x, *axis)) {
        scale = p;
        current = mul->outputs[0];
        last = idx;
        nodes.push_back(idx);
        if (const Node* add = match.Next(current, "Add", &idx); add && add->inputs.size() == 2) {
          const std::string q = add->inputs[0] == current ? add->inputs[1] : add->inputs[0];
          if (q != current && match.IsAffineParam(q, x, *axis)) {
            bias = q;
            current = add->outputs[0];
            last = idx;
            nodes.push_back(idx);
          }
        }
      }
    }
    if (scale.empty()) {  // no affine part: Scale = ones over the normalised axes
      auto shape = view.StaticShape(x);
      if (!shape) continue;
      Shape norm(shape->end() + *axis, shape->end());
      Tensor ones(DataType::kFloat32, norm);
      std::fill(ones.data<float>(), ones.data<float>() + ones.numel(), 1.0f);
      scale = names.Make(mean.name + "_ones");
      new_initializers[scale] = ones;
    }
    bool clash = false;
    for (int i : nodes) clash |= remove[static_cast<size_t>(i)];
    if (clash) continue;
    Node ln;
    ln.name = names.Make(mean.name.empty() ? "LayerNormalization" : mean.name + "_layernorm");
    ln.op_type = "LayerNormalization";
    ln.domain = kBerthDomain;
    ln.inputs = {x, scale};
    if (!bias.empty()) ln.inputs.push_back(bias);
    ln.outputs = {current};
    ln.attributes["axis"] = MakeIntAttr(*axis);
    ln.attributes["epsilon"] = MakeFloatAttr(static_cast<float>(*eps));
    for (int i : nodes) remove[static_cast<size_t>(i)] = true;
    replacements.emplace_back(static_cast<size_t>(last), std::move(ln));
  }
  if (replacements.empty()) return 0;
  for (auto& [name, t] : new_initializers) graph.initializers[name] = std::move(t);
  for (auto& [pos, node] : replacements) {
    graph.nodes[pos] = std::move(node);
    remove[pos] = false;
  }
  RemoveNodes(graph, remove);
  ImportDomain(graph, kBerthDomain);
  return static_cast<int>(replacements.size());
}

}  // namespace berth::opt
