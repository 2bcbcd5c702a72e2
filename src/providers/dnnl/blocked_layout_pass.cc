#include "providers/dnnl/blocked_layout_pass.h"

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace berth {

namespace {

constexpr char kDomain[] = "com.berth";
constexpr char kSuffix[] = "__nChw16c";

bool IsConv(const Node& n) {
  return (n.op_type == "Conv" && (n.domain.empty() || n.domain == "ai.onnx")) ||
         (n.op_type == "FusedConv" && n.domain == kDomain);
}
bool IsOnnx(const Node& n, const char* op) { return n.op_type == op && (n.domain.empty() || n.domain == "ai.onnx"); }

const std::set<std::string>& UnaryOps() {
  static const std::set<std::string> ops = {"Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Clip"};
  return ops;
}

// Names read by subgraphs (If/Loop/Scan bodies) of `g`'s nodes, at any depth.
void CollectSubgraphReads(const Graph& g, std::set<std::string>& names) {
  for (const Node& n : g.nodes) {
    for (const auto& [attr_name, attr] : n.attributes) {
      std::vector<std::shared_ptr<Graph>> bodies = attr.graphs;
      if (attr.g) bodies.push_back(attr.g);
      for (const auto& body : bodies) {
        if (!body) continue;
        for (const Node& bn : body->nodes) names.insert(bn.inputs.begin(), bn.inputs.end());
        for (const ValueInfo& out : body->outputs) names.insert(out.name);
        CollectSubgraphReads(*body, names);
      }
    }
  }
}

// Topological order of g.nodes (indices); empty if the graph has a cycle.
std::vector<size_t> TopologicalOrder(const Graph& g) {
  std::map<std::string, size_t> producer;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (const std::string& o : g.nodes[i].outputs)
      if (!o.empty()) producer[o] = i;
  std::vector<int> state(g.nodes.size(), 0);  // 0 new, 1 visiting, 2 done
  std::vector<size_t> order;
  bool cycle = false;
  std::function<void(size_t)> visit = [&](size_t i) {
    if (state[i] == 2 || cycle) return;
    if (state[i] == 1) {
      cycle = true;
      return;
    }
    state[i] = 1;
    for (const std::string& in : g.nodes[i].inputs) {
      auto it = producer.find(in);
      if (it != producer.end()) visit(it->second);
    }
    state[i] = 2;
    order.push_back(i);
  };
  for (size_t i = 0; i < g.nodes.size(); ++i) visit(i);
  if (cycle) return {};
  return order;
}

Attribute IntAttribute(int64_t v) {
  Attribute a;
  a.type = Attribute::Type::kInt;
  a.i = v;
  return a;
}

}  // namespace

StatusOr<int> ApplyBlockedLayout(Graph& graph) {
  std::vector<size_t> order = TopologicalOrder(graph);
  if (order.empty()) return 0;  // empty or cyclic: the planner reports cycles

  std::map<std::string, int64_t> blocked;  // original value name -> channels, for values produced blocked
  std::vector<bool> node_blocked(graph.nodes.size(), false);
  auto channels_of = [&](const std::string& name) -> int64_t {
    auto it = blocked.find(name);
    return it == blocked.end() ? -1 : it->second;
  };
  auto constant_f32_4d = [&](const std::string& name) -> const Tensor* {
    auto it = graph.initializers.find(name);
    if (it == graph.initializers.end() || graph.overridable_initializers.count(name)) return nullptr;
    const Tensor& t = it->second;
    return t.dtype() == DataType::kFloat32 && t.rank() == 4 ? &t : nullptr;
  };

  for (size_t i : order) {
    Node& n = graph.nodes[i];
    const int num_outputs = static_cast<int>(n.outputs.size());
    int64_t out_channels = -1;
    if (IsConv(n)) {
      const Tensor* w = n.inputs.size() > 1 ? constant_f32_4d(n.inputs[1]) : nullptr;
      if (!w || num_outputs != 1 || n.inputs.empty() || n.inputs[0].empty()) continue;
      const Attribute* group_attr = n.FindAttribute("group");
      const int64_t group = group_attr && group_attr->type == Attribute::Type::kInt ? group_attr->i : 1;
      const int64_t in_channels = w->dim(1) * group;
      const int64_t in_blocked = channels_of(n.inputs[0]);
      if (in_blocked >= 0 && in_blocked != in_channels) continue;  // malformed: let the plain kernel report it
      const int64_t zc = n.inputs.size() > 3 && !n.inputs[3].empty() ? channels_of(n.inputs[3]) : w->dim(0);
      if (zc >= 0 && zc != w->dim(0)) continue;
      out_channels = w->dim(0);
    } else if (n.inputs.empty() || channels_of(n.inputs[0]) < 0 || num_outputs < 1) {
      continue;  // every other rewrite needs a blocked first input
    } else if (IsOnnx(n, "MaxPool") || IsOnnx(n, "AveragePool") || IsOnnx(n, "GlobalAveragePool") ||
               IsOnnx(n, "GlobalMaxPool")) {
      if (num_outputs > 1 && !n.outputs[1].empty()) continue;  // MaxPool Indices
      const Attribute* ks = n.FindAttribute("kernel_shape");
      if (!n.op_type.starts_with("Global") && (!ks || ks->ints.size() != 2)) continue;
      out_channels = channels_of(n.inputs[0]);
    } else if (UnaryOps().count(n.op_type) && (n.domain.empty() || n.domain == "ai.onnx")) {
      bool ok = num_outputs == 1;
      for (size_t k = 1; k < n.inputs.size(); ++k) {  // Clip's bounds: constant scalars
        if (n.inputs[k].empty()) continue;
        auto it = graph.initializers.find(n.inputs[k]);
        ok = ok && it != graph.initializers.end() && it->second.numel() == 1 &&
             !graph.overridable_initializers.count(n.inputs[k]);
      }
      if (!ok) continue;
      out_channels = channels_of(n.inputs[0]);
    } else if (IsOnnx(n, "Add") || IsOnnx(n, "Mul")) {
      if (n.inputs.size() != 2 || channels_of(n.inputs[1]) != channels_of(n.inputs[0])) continue;
      out_channels = channels_of(n.inputs[0]);
    } else if (IsOnnx(n, "Concat")) {
      const Attribute* axis = n.FindAttribute("axis");
      if (!axis || axis->type != Attribute::Type::kInt || (axis->i != 1 && axis->i != -3)) continue;
      int64_t total = 0;
      bool ok = true;
      for (size_t k = 0; k < n.inputs.size(); ++k) {
        const int64_t c = channels_of(n.inputs[k]);
        ok = ok && c > 0 && (k + 1 == n.inputs.size() || c % 16 == 0);
        total += c;
      }
      if (!ok) continue;
      out_channels = total;
    } else {
      continue;
    }
    node_blocked[i] = true;
    blocked[n.outputs[0]] = out_channels;
  }

  int count = 0;
  for (bool b : node_blocked) count += b;
  if (count == 0) return 0;

  // Who reads each blocked value in plain layout.
  std::set<std::string> plain_readers;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (node_blocked[i]) continue;
    for (const std::string& in : graph.nodes[i].inputs)
      if (blocked.count(in)) plain_readers.insert(in);
  }
  for (const ValueInfo& out : graph.outputs)
    if (blocked.count(out.name)) plain_readers.insert(out.name);
  std::set<std::string> subgraph_reads;
  CollectSubgraphReads(graph, subgraph_reads);
  for (const std::string& name : subgraph_reads)
    if (blocked.count(name)) plain_readers.insert(name);

  std::vector<Node> new_nodes;
  std::map<std::string, std::string> to_blocked;  // plain value -> its ReorderToBlocked output
  auto blocked_input = [&](const std::string& name) -> std::string {
    if (blocked.count(name)) return name + kSuffix;
    auto it = to_blocked.find(name);
    if (it != to_blocked.end()) return it->second;
    Node r;
    r.name = name + "__to_nChw16c";
    r.op_type = "ReorderToBlocked";
    r.domain = kDomain;
    r.inputs = {name};
    r.outputs = {name + "__to" + kSuffix};
    to_blocked[name] = r.outputs[0];
    new_nodes.push_back(r);
    return r.outputs[0];
  };

  for (size_t i : order) {
    if (!node_blocked[i]) continue;
    Node& n = graph.nodes[i];
    const std::string out = n.outputs[0];
    if (IsConv(n)) {
      const Tensor& w = graph.initializers.at(n.inputs[1]);
      const Attribute* group_attr = n.FindAttribute("group");
      const int64_t group = group_attr && group_attr->type == Attribute::Type::kInt ? group_attr->i : 1;
      const bool plain_src = !blocked.count(n.inputs[0]) && group == 1 && w.dim(1) < 16;
      if (!plain_src) n.inputs[0] = blocked_input(n.inputs[0]);
      n.attributes["src_blocked"] = IntAttribute(plain_src ? 0 : 1);
      if (n.inputs.size() > 3 && !n.inputs[3].empty()) n.inputs[3] = blocked_input(n.inputs[3]);
      n.op_type = "BlockedConv";
      n.domain = kDomain;
    } else if (n.op_type.find("Pool") != std::string::npos) {
      n.inputs[0] = blocked_input(n.inputs[0]);
      n.op_type = "Blocked" + n.op_type;
      n.domain = kDomain;
    } else if (n.op_type == "Concat") {
      for (std::string& in : n.inputs) in = blocked_input(in);
      n.attributes["axis"] = IntAttribute(1);
    } else if (n.op_type == "Add" || n.op_type == "Mul") {
      for (std::string& in : n.inputs) in = blocked_input(in);
    } else {  // unary
      n.inputs[0] = blocked_input(n.inputs[0]);
    }
    n.outputs[0] = out + kSuffix;
    if (plain_readers.count(out)) {
      Node r;
      r.name = out + "__from_nChw16c";
      r.op_type = "ReorderFromBlocked";
      r.domain = kDomain;
      r.inputs = {out + kSuffix};
      r.outputs = {out};
      r.attributes["channels"] = IntAttribute(blocked.at(out));
      new_nodes.push_back(r);
    }
  }
  for (Node& r : new_nodes) graph.nodes.push_back(std::move(r));
  graph.opsets.emplace(kDomain, 1);
  return count;
}

}  // namespace berth
