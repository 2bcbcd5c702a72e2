#include "engine/optimizer/activation_match.h"

#include <limits>

#include "engine/optimizer/passes.h"

namespace berth::opt {

namespace {

float FloatAttr(const Node& node, const char* name, float fallback) {
  const Attribute* a = node.FindAttribute(name);
  return a && a->type == Attribute::Type::kFloat ? a->f : fallback;
}

}  // namespace

std::optional<FusedActivation> MatchActivation(const GraphView& view, const Node& node,
                                               bool allow_gelu) {
  if (node.inputs.empty() || node.outputs.size() != 1 || node.outputs[0].empty())
    return std::nullopt;
  // The producer was checked to be float32; a recorded type of the activation must agree.
  const DataType dt = view.Dtype(node.outputs[0]);
  if (dt != DataType::kFloat32 && dt != DataType::kUndefined) return std::nullopt;
  const std::string& op = node.op_type;
  if (node.domain == kBerthDomain) {
    if (op == "Gelu" && allow_gelu && node.inputs.size() == 1) {
      const Attribute* a = node.FindAttribute("approximate");
      const std::string approx = a ? a->s : "none";
      if (approx == "none") return FusedActivation{"Gelu", {}};
      if (approx == "tanh") return FusedActivation{"GeluTanh", {}};
    }
    return std::nullopt;
  }
  if (!node.domain.empty()) return std::nullopt;
  if (node.inputs.size() == 1) {
    if (op == "Relu" || op == "Sigmoid" || op == "Tanh" || op == "HardSwish")
      return FusedActivation{op, {}};
    if (op == "LeakyRelu") return FusedActivation{op, {FloatAttr(node, "alpha", 0.01f)}};
    if (op == "HardSigmoid")
      return FusedActivation{op, {FloatAttr(node, "alpha", 0.2f), FloatAttr(node, "beta", 0.5f)}};
    auto opset = view.graph().opsets.find("");
    const bool attribute_form = opset != view.graph().opsets.end() && opset->second < 11;
    if (op == "Clip" && attribute_form) {  // opset < 11: bounds are attributes
      constexpr float kMax = std::numeric_limits<float>::max();
      return FusedActivation{op, {FloatAttr(node, "min", -kMax), FloatAttr(node, "max", kMax)}};
    }
  }
  if (op == "Clip" && node.inputs.size() <= 3 && !node.FindAttribute("min") &&
      !node.FindAttribute("max")) {
    const float inf = std::numeric_limits<float>::infinity();
    float bounds[2] = {-inf, inf};
    for (size_t i = 1; i < node.inputs.size(); ++i) {
      if (node.inputs[i].empty()) continue;
      auto v = view.ScalarConstant(node.inputs[i]);
      if (!v) return std::nullopt;
      bounds[i - 1] = static_cast<float>(*v);
    }
    return FusedActivation{"Clip", {bounds[0], bounds[1]}};
  }
  if (op == "Gelu" && allow_gelu && node.inputs.size() == 1) {
    const Attribute* a = node.FindAttribute("approximate");
    const std::string approx = a ? a->s : "none";
    if (approx == "none") return FusedActivation{"Gelu", {}};
    if (approx == "tanh") return FusedActivation{"GeluTanh", {}};
  }
  return std::nullopt;
}

void SetActivationAttributes(Node& node, const FusedActivation& activation) {
  node.attributes["activation"] = MakeStringAttr(activation.name);
  if (!activation.params.empty())
    node.attributes["activation_params"] = MakeFloatsAttr(activation.params);
}

std::optional<FusedActivation> AbsorbActivation(const GraphView& view, const Graph& graph,
                                                const std::vector<bool>& taken, int next, bool allow_gelu,
                                                std::string* value, std::vector<size_t>* absorbed) {
  if (next < 0 || taken[static_cast<size_t>(next)]) return std::nullopt;
  const Node& node = graph.nodes[static_cast<size_t>(next)];
  std::optional<FusedActivation> act = MatchActivation(view, node, allow_gelu);
  if (!act || node.inputs[0] != *value) return std::nullopt;
  *value = node.outputs[0];
  absorbed->push_back(static_cast<size_t>(next));
  return act;
}

std::optional<FusedActivation> AbsorbSwish(const GraphView& view, const Graph& graph,
                                           const std::vector<bool>& taken, std::string* value,
                                           std::vector<size_t>* absorbed) {
  const std::string& x = *value;
  if (view.IsGraphOutput(x) || view.IsPinned(x)) return std::nullopt;
  const std::vector<size_t>& readers = view.Consumers(x);
  if (readers.size() != 2) return std::nullopt;
  auto is_onnx = [](const Node& n, const char* op) {
    return n.op_type == op && (n.domain.empty() || n.domain == "ai.onnx") && n.outputs.size() == 1 &&
           !n.outputs[0].empty();
  };
  for (int k = 0; k < 2; ++k) {
    const size_t si = readers[k], mi = readers[1 - k];
    if (taken[si] || taken[mi]) continue;
    const Node& sigmoid = graph.nodes[si];
    const Node& mul = graph.nodes[mi];
    if (!is_onnx(sigmoid, "Sigmoid") || sigmoid.inputs.size() != 1 || sigmoid.inputs[0] != x) continue;
    if (!is_onnx(mul, "Mul") || mul.inputs.size() != 2) continue;
    const std::string& s = sigmoid.outputs[0];
    if (view.SoleConsumer(s) != static_cast<int>(mi)) continue;
    if (!((mul.inputs[0] == x && mul.inputs[1] == s) || (mul.inputs[0] == s && mul.inputs[1] == x))) continue;
    for (const std::string& out : {s, mul.outputs[0]}) {
      const DataType dt = view.Dtype(out);
      if (dt != DataType::kFloat32 && dt != DataType::kUndefined) return std::nullopt;
    }
    *value = mul.outputs[0];
    absorbed->push_back(si);
    absorbed->push_back(mi);
    return FusedActivation{"Swish", {}};
  }
  return std::nullopt;
}

}  // namespace berth::opt
