#include "engine/onnx/simple_shape_inference.h"

#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace berth {

namespace {

// Operators whose output has the type and shape of their (first) input.
const std::set<std::string>& SameAsInput() {
  static const std::set<std::string> ops = {
      "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu",      "Selu",        "Softplus",   "Softsign", "Erf",
      "Exp",  "Log",     "Abs",  "Neg",       "Sqrt",     "HardSigmoid", "Identity",   "Softmax",  "LogSoftmax"};
  return ops;
}

const onnx::TensorShapeProto::Dimension* Dim(const onnx::TypeProto& t, int i) {
  const auto& shape = t.tensor_type().shape();
  return i < shape.dim_size() ? &shape.dim(i) : nullptr;
}

int Rank(const onnx::TypeProto& t) {
  return t.tensor_type().has_shape() ? t.tensor_type().shape().dim_size() : -1;
}

int64_t IntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  for (const auto& a : node.attribute()) {
    if (a.name() == name) return a.i();
  }
  return fallback;
}

// A 2-D tensor type [rows, cols] (each dimension a number, a name, or unknown).
onnx::TypeProto Matrix(int32_t elem_type, const onnx::TensorShapeProto::Dimension& rows,
                       const onnx::TensorShapeProto::Dimension& cols) {
  onnx::TypeProto t;
  t.mutable_tensor_type()->set_elem_type(elem_type);
  auto* shape = t.mutable_tensor_type()->mutable_shape();
  *shape->add_dim() = rows;
  *shape->add_dim() = cols;
  return t;
}

// The output type of `node` from its inputs' types, or nullopt when this file does not know it.
std::optional<onnx::TypeProto> OutputType(const onnx::NodeProto& node,
                                          const std::unordered_map<std::string, onnx::TypeProto>& types) {
  if (!node.domain().empty() && node.domain() != "ai.onnx") return std::nullopt;
  if (node.input_size() < 1) return std::nullopt;
  auto in = [&](int i) -> const onnx::TypeProto* {
    if (i >= node.input_size() || node.input(i).empty()) return nullptr;
    auto it = types.find(node.input(i));
    if (it == types.end() || !it->second.has_tensor_type() || it->second.tensor_type().elem_type() == 0) {
      return nullptr;
    }
    return &it->second;
  };
  const onnx::TypeProto* a = in(0);
  if (a == nullptr) return std::nullopt;
  const std::string& op = node.op_type();
  if (SameAsInput().count(op) > 0) {
    if (node.output_size() != 1) return std::nullopt;
    return *a;
  }
  if (op == "Gemm" || op == "MatMul") {
    // Y[M, N] = A[M, K] * B[K, N] (Gemm: either transposed); only 2-D inputs here.
    const onnx::TypeProto* b = in(1);
    if (b == nullptr || node.output_size() != 1 || Rank(*a) != 2 || Rank(*b) != 2) return std::nullopt;
    if (b->tensor_type().elem_type() != a->tensor_type().elem_type()) return std::nullopt;
    const bool gemm = op == "Gemm";
    const int64_t trans_a = gemm ? IntAttribute(node, "transA", 0) : 0;
    const int64_t trans_b = gemm ? IntAttribute(node, "transB", 0) : 0;
    return Matrix(a->tensor_type().elem_type(), *Dim(*a, trans_a ? 1 : 0), *Dim(*b, trans_b ? 0 : 1));
  }
  return std::nullopt;
}

}  // namespace

std::unordered_map<std::string, onnx::TypeProto> KnownTypes(const onnx::GraphProto& graph) {
  std::unordered_map<std::string, onnx::TypeProto> types;
  for (const auto& vi : graph.input()) types[vi.name()] = vi.type();
  for (const auto& vi : graph.value_info()) types[vi.name()] = vi.type();
  for (const auto& vi : graph.output()) types[vi.name()] = vi.type();
  for (const auto& init : graph.initializer()) {
    onnx::TypeProto t;
    t.mutable_tensor_type()->set_elem_type(init.data_type());
    for (int64_t d : init.dims()) t.mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(d);
    types[init.name()] = t;
  }
  return types;
}

bool InferSimpleShapes(onnx::GraphProto* graph) {
  // Outputs are produced by nodes, which overwrite these declared types before anyone reads them.
  std::unordered_map<std::string, onnx::TypeProto> types = KnownTypes(*graph);
  std::set<std::string> graph_outputs;
  for (const auto& vi : graph->output()) graph_outputs.insert(vi.name());

  std::vector<onnx::ValueInfoProto> added;
  for (const auto& node : graph->node()) {
    for (const auto& attr : node.attribute()) {
      if (attr.has_g() || attr.graphs_size() > 0) return false;
    }
    std::optional<onnx::TypeProto> out = OutputType(node, types);
    if (!out) return false;
    const std::string& name = node.output(0);
    types[name] = *out;
    if (graph_outputs.count(name) > 0) continue;  // declared by the model already
    onnx::ValueInfoProto vi;
    vi.set_name(name);
    *vi.mutable_type() = *out;
    added.push_back(std::move(vi));
  }
  for (auto& vi : added) *graph->add_value_info() = std::move(vi);
  // Graph outputs declared without a type or shape get the inferred one (as ONNX's inference does).
  for (auto& vi : *graph->mutable_output()) {
    const auto& declared = vi.type().tensor_type();
    if (declared.elem_type() == 0 || !declared.has_shape()) *vi.mutable_type() = types[vi.name()];
  }
  return true;
}

}  // namespace berth
