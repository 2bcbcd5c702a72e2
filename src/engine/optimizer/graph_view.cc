#include "engine/optimizer/graph_view.h"

#include <algorithm>
#include <queue>

namespace berth::opt {

namespace {

const std::vector<size_t> kNoConsumers;

template <typename T>
void AppendAs(const Tensor& t, std::vector<double>& out) {
  const T* p = t.data<T>();
  for (int64_t i = 0; i < t.numel(); ++i) out.push_back(static_cast<double>(p[i]));
}

}  // namespace

void CollectSubgraphNames(const Graph& body, std::set<std::string>& names) {
  for (const Node& node : body.nodes) {
    for (const std::string& in : node.inputs)
      if (!in.empty()) names.insert(in);
    for (const auto& [attr_name, attr] : node.attributes) {
      if (attr.type == Attribute::Type::kGraph && attr.g) CollectSubgraphNames(*attr.g, names);
      if (attr.type == Attribute::Type::kGraphs)
        for (const auto& g : attr.graphs)
          if (g) CollectSubgraphNames(*g, names);
    }
  }
  for (const ValueInfo& out : body.outputs) names.insert(out.name);
}

std::set<std::string> SubgraphReads(const Node& node) {
  std::set<std::string> names;
  for (const auto& [attr_name, attr] : node.attributes) {
    if (attr.type == Attribute::Type::kGraph && attr.g) CollectSubgraphNames(*attr.g, names);
    if (attr.type == Attribute::Type::kGraphs)
      for (const auto& g : attr.graphs)
        if (g) CollectSubgraphNames(*g, names);
  }
  return names;
}

bool HasSubgraph(const Node& node) {
  for (const auto& [attr_name, attr] : node.attributes)
    if (attr.type == Attribute::Type::kGraph || attr.type == Attribute::Type::kGraphs) return true;
  return false;
}

GraphView::GraphView(const Graph& graph) : graph_(graph) {
  for (const ValueInfo& vi : graph.inputs) {
    inputs_.insert(vi.name);
    info_[vi.name] = vi;
  }
  for (const auto& [name, vi] : graph.value_info) info_.emplace(name, vi);
  for (const ValueInfo& vi : graph.outputs) {
    outputs_.insert(vi.name);
    auto it = info_.find(vi.name);
    if (it == info_.end() || (!it->second.has_shape && vi.has_shape)) info_[vi.name] = vi;
  }
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    for (const std::string& out : node.outputs)
      if (!out.empty()) producer_.emplace(out, static_cast<int>(n));
    for (const std::string& in : node.inputs) {
      if (in.empty()) continue;
      auto& list = consumers_[in];
      if (list.empty() || list.back() != n) list.push_back(n);
    }
    if (HasSubgraph(node)) {
      std::set<std::string> reads = SubgraphReads(node);
      pinned_.insert(reads.begin(), reads.end());
    }
  }
}

int GraphView::Producer(const std::string& name) const {
  auto it = producer_.find(name);
  return it == producer_.end() ? -1 : it->second;
}

const std::vector<size_t>& GraphView::Consumers(const std::string& name) const {
  auto it = consumers_.find(name);
  return it == consumers_.end() ? kNoConsumers : it->second;
}

int GraphView::SoleConsumer(const std::string& name) const {
  if (name.empty() || IsGraphOutput(name) || IsPinned(name)) return -1;
  const auto& c = Consumers(name);
  return c.size() == 1 ? static_cast<int>(c[0]) : -1;
}

bool GraphView::IsUsed(const std::string& name) const {
  return IsGraphOutput(name) || IsPinned(name) || !Consumers(name).empty();
}

const Tensor* GraphView::Constant(const std::string& name) const {
  if (name.empty() || graph_.overridable_initializers.count(name)) return nullptr;
  auto it = graph_.initializers.find(name);
  return it == graph_.initializers.end() ? nullptr : &it->second;
}

std::optional<double> GraphView::ScalarConstant(const std::string& name) const {
  const Tensor* t = Constant(name);
  if (!t || t->numel() != 1) return std::nullopt;
  std::vector<double> v = TensorToDoubles(*t);
  if (v.size() != 1) return std::nullopt;
  return v[0];
}

const ValueInfo* GraphView::Info(const std::string& name) const {
  auto it = info_.find(name);
  return it == info_.end() ? nullptr : &it->second;
}

DataType GraphView::Dtype(const std::string& name) const {
  if (const Tensor* t = Constant(name)) return t->dtype();
  auto it = graph_.initializers.find(name);
  if (it != graph_.initializers.end()) return it->second.dtype();
  const ValueInfo* vi = Info(name);
  if (!vi || (vi->kind != ValueInfo::Kind::kTensor && vi->kind != ValueInfo::Kind::kUnknown))
    return DataType::kUndefined;
  return vi->dtype;
}

DataType GraphView::OutputDtype(const Node& node) const {
  DataType dt = node.outputs.empty() ? DataType::kUndefined : Dtype(node.outputs[0]);
  if (dt == DataType::kUndefined && !node.inputs.empty()) dt = Dtype(node.inputs[0]);
  return dt;
}

std::optional<int> GraphView::Rank(const std::string& name) const {
  if (const Tensor* t = Constant(name)) return t->rank();
  const ValueInfo* vi = Info(name);
  if (!vi || !vi->has_shape || vi->kind == ValueInfo::Kind::kSequence) return std::nullopt;
  return static_cast<int>(vi->dims.size());
}

std::optional<Shape> GraphView::StaticShape(const std::string& name) const {
  if (const Tensor* t = Constant(name)) return t->shape();
  const ValueInfo* vi = Info(name);
  if (!vi || !vi->has_shape || vi->kind == ValueInfo::Kind::kSequence) return std::nullopt;
  for (int64_t d : vi->dims)
    if (d < 0) return std::nullopt;
  return vi->dims;
}

bool GraphView::SameShape(const std::string& a, const std::string& b) const {
  if (auto sa = StaticShape(a)) {
    auto sb = StaticShape(b);
    if (sb) return *sa == *sb;
  }
  const ValueInfo* ia = Info(a);
  const ValueInfo* ib = Info(b);
  if (!ia || !ib || !ia->has_shape || !ib->has_shape || ia->dims.size() != ib->dims.size())
    return false;
  for (size_t d = 0; d < ia->dims.size(); ++d) {
    if (ia->dims[d] >= 0 || ib->dims[d] >= 0) {
      if (ia->dims[d] != ib->dims[d]) return false;
      continue;
    }
    const std::string na = d < ia->dim_names.size() ? ia->dim_names[d] : "";
    const std::string nb = d < ib->dim_names.size() ? ib->dim_names[d] : "";
    if (na.empty() || na != nb) return false;
  }
  return true;
}

NameAllocator::NameAllocator(const Graph& graph) {
  for (const ValueInfo& vi : graph.inputs) used_.insert(vi.name);
  for (const ValueInfo& vi : graph.outputs) used_.insert(vi.name);
  for (const auto& [name, t] : graph.initializers) used_.insert(name);
  for (const auto& [name, vi] : graph.value_info) used_.insert(name);
  for (const Node& node : graph.nodes) {
    used_.insert(node.name);
    for (const std::string& s : node.inputs) used_.insert(s);
    for (const std::string& s : node.outputs) used_.insert(s);
    std::set<std::string> sub = SubgraphReads(node);
    used_.insert(sub.begin(), sub.end());
  }
}

std::string NameAllocator::Make(const std::string& base) {
  std::string name = base;
  while (name.empty() || used_.count(name)) name = base + "_opt" + std::to_string(++counter_);
  used_.insert(name);
  return name;
}

void ReplaceUses(Graph& graph, const std::string& from, const std::string& to) {
  for (Node& node : graph.nodes)
    for (std::string& in : node.inputs)
      if (in == from) in = to;
}

void RemoveNodes(Graph& graph, const std::vector<bool>& remove) {
  std::vector<Node> kept;
  kept.reserve(graph.nodes.size());
  for (size_t n = 0; n < graph.nodes.size(); ++n)
    if (n >= remove.size() || !remove[n]) kept.push_back(std::move(graph.nodes[n]));
  graph.nodes = std::move(kept);
}

bool IsWellFormed(const Graph& graph) {
  std::set<std::string> defined;
  for (const ValueInfo& vi : graph.inputs)
    if (vi.name.empty() || !defined.insert(vi.name).second) return false;
  for (const auto& [name, t] : graph.initializers) defined.insert(name);
  for (const Node& node : graph.nodes)
    for (const std::string& out : node.outputs)
      if (!out.empty() && !defined.insert(out).second) return false;
  for (const Node& node : graph.nodes)
    for (const std::string& in : node.inputs)
      if (!in.empty() && !defined.count(in)) return false;
  for (const ValueInfo& vi : graph.outputs)
    if (!defined.count(vi.name)) return false;
  return true;
}

bool SortTopologically(Graph& graph) {
  const size_t count = graph.nodes.size();
  std::map<std::string, size_t> producer;
  for (size_t n = 0; n < count; ++n)
    for (const std::string& out : graph.nodes[n].outputs)
      if (!out.empty()) producer.emplace(out, n);
  std::vector<std::vector<size_t>> consumers(count);
  std::vector<int> pending(count, 0);
  for (size_t n = 0; n < count; ++n) {
    std::set<std::string> reads = SubgraphReads(graph.nodes[n]);
    for (const std::string& in : graph.nodes[n].inputs)
      if (!in.empty()) reads.insert(in);
    std::set<size_t> deps;
    for (const std::string& name : reads) {
      auto it = producer.find(name);
      if (it != producer.end() && it->second != n) deps.insert(it->second);
    }
    pending[n] = static_cast<int>(deps.size());
    for (size_t d : deps) consumers[d].push_back(n);
  }
  std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> ready;
  for (size_t n = 0; n < count; ++n)
    if (pending[n] == 0) ready.push(n);
  std::vector<size_t> order;
  while (!ready.empty()) {
    size_t n = ready.top();
    ready.pop();
    order.push_back(n);
    for (size_t c : consumers[n])
      if (--pending[c] == 0) ready.push(c);
  }
  if (order.size() != count) return false;
  std::vector<Node> sorted;
  sorted.reserve(count);
  for (size_t n : order) sorted.push_back(std::move(graph.nodes[n]));
  graph.nodes = std::move(sorted);
  return true;
}

void ImportDomain(Graph& graph, const std::string& domain) { graph.opsets.emplace(domain, 1); }

Attribute MakeIntAttr(int64_t v) {
  Attribute a;
  a.type = Attribute::Type::kInt;
  a.i = v;
  return a;
}
Attribute MakeFloatAttr(float v) {
  Attribute a;
  a.type = Attribute::Type::kFloat;
  a.f = v;
  return a;
}
Attribute MakeStringAttr(std::string v) {
  Attribute a;
  a.type = Attribute::Type::kString;
  a.s = std::move(v);
  return a;
}
Attribute MakeFloatsAttr(std::vector<float> v) {
  Attribute a;
  a.type = Attribute::Type::kFloats;
  a.floats = std::move(v);
  return a;
}
Attribute MakeIntsAttr(std::vector<int64_t> v) {
  Attribute a;
  a.type = Attribute::Type::kInts;
  a.ints = std::move(v);
  return a;
}

std::vector<double> TensorToDoubles(const Tensor& t) {
  std::vector<double> out;
  out.reserve(static_cast<size_t>(std::max<int64_t>(t.numel(), 0)));
  switch (t.dtype()) {
    case DataType::kFloat32:
      AppendAs<float>(t, out);
      break;
    case DataType::kFloat64:
      AppendAs<double>(t, out);
      break;
    case DataType::kFloat16:
      AppendAs<Float16>(t, out);
      break;
    case DataType::kBFloat16:
      AppendAs<BFloat16>(t, out);
      break;
    case DataType::kInt8:
      AppendAs<int8_t>(t, out);
      break;
    case DataType::kUint8:
      AppendAs<uint8_t>(t, out);
      break;
    case DataType::kInt16:
      AppendAs<int16_t>(t, out);
      break;
    case DataType::kUint16:
      AppendAs<uint16_t>(t, out);
      break;
    case DataType::kInt32:
      AppendAs<int32_t>(t, out);
      break;
    case DataType::kUint32:
      AppendAs<uint32_t>(t, out);
      break;
    case DataType::kInt64:
      AppendAs<int64_t>(t, out);
      break;
    case DataType::kUint64:
      AppendAs<uint64_t>(t, out);
      break;
    case DataType::kBool:
      AppendAs<bool>(t, out);
      break;
    default:
      break;
  }
  return out;
}

}  // namespace berth::opt
