// Gelu fusion: the decomposed forms exporters emit become one com.berth Gelu(X):
//   erf form:  x * 0.5 * (1 + Erf(x / sqrt(2)))                      -> approximate = "none"
//   tanh form: x * 0.5 * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 x^3))) -> approximate = "tanh"
// x / sqrt(2) may be Div(x, 1.4142...) or Mul(x, 0.7071...); x^3 may be Pow(x, 3) or products of x;
// the final product with x and 0.5 may be grouped either way ((x * a) * 0.5, (a * 0.5) * x,
// (x * 0.5) * a). Every intermediate must have no other reader and not be a graph output.

#include <cmath>

#include "engine/optimizer/graph_view.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {

namespace {

class GeluMatcher {
 public:
  GeluMatcher(const Graph& graph, const GraphView& view) : graph_(graph), view_(view) {}

  // The node producing `name` if it is `op` (ai.onnx) with two inputs and one output, read only by
  // the pattern.
  const Node* Binary(const std::string& name, const char* op, int* index) const {
    const int p = view_.Producer(name);
    if (p < 0) return nullptr;
    const Node& n = graph_.nodes[static_cast<size_t>(p)];
    if (n.op_type != op || !n.domain.empty() || n.inputs.size() != 2 || n.outputs.size() != 1)
      return nullptr;
    if (view_.SoleConsumer(name) < 0) return nullptr;
    *index = p;
    return &n;
  }
  // The sole reader of `name` if it is `op` with two inputs.
  const Node* NextBinary(const std::string& name, const char* op, int* index) const {
    const int c = view_.SoleConsumer(name);
    if (c < 0) return nullptr;
    const Node& n = graph_.nodes[static_cast<size_t>(c)];
    if (n.op_type != op || !n.domain.empty() || n.inputs.size() != 2 || n.outputs.size() != 1)
      return nullptr;
    *index = c;
    return &n;
  }
  bool IsConst(const std::string& name, double value) const {
    auto v = view_.ScalarConstant(name);
    return v && std::abs(*v - value) <= 1e-4 * std::abs(value);
  }
  // The operand of a binary node that is not `known`, or "" if neither/both are.
  static std::string Other(const Node& n, const std::string& known) {
    if (n.inputs[0] == known && n.inputs[1] != known) return n.inputs[1];
    if (n.inputs[1] == known && n.inputs[0] != known) return n.inputs[0];
    return "";
  }
  // The operand of a binary node that is a constant close to `value`; "" if none. `rest` gets the
  // other.
  std::string ConstOperand(const Node& n, double value, std::string* rest) const {
    for (int i = 0; i < 2; ++i) {
      if (IsConst(n.inputs[static_cast<size_t>(i)], value)) {
        *rest = n.inputs[static_cast<size_t>(1 - i)];
        return n.inputs[static_cast<size_t>(i)];
      }
    }
    return "";
  }

  // From `inner` (Erf or Tanh output) onwards: Add(inner, 1) then the product with x and 0.5.
  // Returns the index of the last node and appends the pattern's nodes to `nodes`.
  int MatchTail(const std::string& inner, const std::string& x, std::vector<int>& nodes) const {
    int a_idx = -1;
    const Node* add = NextBinary(inner, "Add", &a_idx);
    std::string rest;
    if (!add || ConstOperand(*add, 1.0, &rest).empty() || rest != inner) return -1;
    nodes.push_back(a_idx);
    int m1_idx = -1;
    const Node* m1 = NextBinary(add->outputs[0], "Mul", &m1_idx);
    if (!m1) return -1;
    nodes.push_back(m1_idx);
    const std::string other = Other(*m1, add->outputs[0]);
    if (other.empty()) return -1;
    if (other == x || IsConst(other, 0.5)) {
      int m2_idx = -1;
      const Node* m2 = NextBinary(m1->outputs[0], "Mul", &m2_idx);
      if (!m2) return -1;
      const std::string want_other = other == x ? std::string() : x;
      const std::string last = Other(*m2, m1->outputs[0]);
      if (want_other.empty() ? !IsConst(last, 0.5) : last != x) return -1;
      nodes.push_back(m2_idx);
      return m2_idx;
    }
    int h_idx = -1;
    const Node* half = Binary(other, "Mul", &h_idx);
    if (!half || Other(*half, x).empty() || !IsConst(Other(*half, x), 0.5)) return -1;
    nodes.push_back(h_idx);
    return m1_idx;
  }

  // Erf(x / sqrt(2)) ...
  int MatchErf(const Node& erf, std::string* x, std::vector<int>& nodes) const {
    int d_idx = -1;
    const Node* d = Binary(erf.inputs[0], "Div", &d_idx);
    std::string rest;
    if (d && IsConst(d->inputs[1], std::sqrt(2.0))) {
      *x = d->inputs[0];
    } else if ((d = Binary(erf.inputs[0], "Mul", &d_idx)) &&
               !ConstOperand(*d, std::sqrt(0.5), &rest).empty()) {
      *x = rest;
    } else {
      return -1;
    }
    nodes.push_back(d_idx);
    return MatchTail(erf.outputs[0], *x, nodes);
  }

  // Whether `name` is x^3 (Pow(x, 3), x*(x*x) or (x*x)*x), appending its nodes.
  bool IsCube(const std::string& name, const std::string& x, std::vector<int>& nodes) const {
    int idx = -1;
    if (const Node* p = Binary(name, "Pow", &idx)) {
      if (p->inputs[0] != x || !IsConst(p->inputs[1], 3.0)) return false;
      nodes.push_back(idx);
      return true;
    }
    const Node* m = Binary(name, "Mul", &idx);
    if (!m) return false;
    const std::string other = Other(*m, x);
    if (other.empty()) return false;
    int sq_idx = -1;
    const Node* sq = Binary(other, "Mul", &sq_idx);
    if (!sq || sq->inputs[0] != x || sq->inputs[1] != x) return false;
    nodes.push_back(idx);
    nodes.push_back(sq_idx);
    return true;
  }

  // Tanh(sqrt(2/pi) * (x + 0.044715 * x^3)) ...
  int MatchTanh(const Node& tanh, std::string* x, std::vector<int>& nodes) const {
    int s_idx = -1, sum_idx = -1;
    std::string sum;
    const Node* scale = Binary(tanh.inputs[0], "Mul", &s_idx);
    if (!scale || ConstOperand(*scale, std::sqrt(2.0 / M_PI), &sum).empty()) return -1;
    const Node* add = Binary(sum, "Add", &sum_idx);
    if (!add) return -1;
    for (int i = 0; i < 2; ++i) {
      int k_idx = -1;
      std::string cube;
      const Node* k = Binary(add->inputs[static_cast<size_t>(i)], "Mul", &k_idx);
      if (!k || ConstOperand(*k, 0.044715, &cube).empty()) continue;
      std::vector<int> cube_nodes;
      const std::string candidate = add->inputs[static_cast<size_t>(1 - i)];
      if (!IsCube(cube, candidate, cube_nodes)) continue;
      *x = candidate;
      nodes.insert(nodes.end(), {s_idx, sum_idx, k_idx});
      nodes.insert(nodes.end(), cube_nodes.begin(), cube_nodes.end());
      return MatchTail(tanh.outputs[0], *x, nodes);
    }
    return -1;
  }

 private:
  const Graph& graph_;
  const GraphView& view_;
};

}  // namespace

StatusOr<int> FuseGelu(Graph& graph) {
  GraphView view(graph);
  NameAllocator names(graph);
  GeluMatcher matcher(graph, view);
  std::vector<bool> remove(graph.nodes.size(), false);
  std::vector<std::pair<size_t, Node>> replacements;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    const bool is_erf = node.op_type == "Erf", is_tanh = node.op_type == "Tanh";
    if ((!is_erf && !is_tanh) || !node.domain.empty() || node.inputs.size() != 1 ||
        node.outputs.size() != 1 || remove[n]) {
      continue;
    }
    std::string x;
    std::vector<int> nodes = {static_cast<int>(n)};
    const int last =
        is_erf ? matcher.MatchErf(node, &x, nodes) : matcher.MatchTanh(node, &x, nodes);
    if (last < 0 || view.Dtype(x) != DataType::kFloat32) continue;
    bool clash = false;
    for (int i : nodes) clash |= remove[static_cast<size_t>(i)];
    if (clash) continue;
    Node gelu;
    gelu.name = names.Make(node.name.empty() ? "Gelu" : node.name + "_gelu");
    gelu.op_type = "Gelu";
    gelu.domain = kBerthDomain;
    gelu.inputs = {x};
    gelu.outputs = {graph.nodes[static_cast<size_t>(last)].outputs[0]};
    gelu.attributes["approximate"] = MakeStringAttr(is_erf ? "none" : "tanh");
    for (int i : nodes) remove[static_cast<size_t>(i)] = true;
    replacements.emplace_back(static_cast<size_t>(last), std::move(gelu));
  }
  if (replacements.empty()) return 0;
  for (auto& [pos, node] : replacements) {
    graph.nodes[pos] = std::move(node);
    remove[pos] = false;
  }
  RemoveNodes(graph, remove);
  ImportDomain(graph, kBerthDomain);
  return static_cast<int>(replacements.size());
}

}  // namespace berth::opt
