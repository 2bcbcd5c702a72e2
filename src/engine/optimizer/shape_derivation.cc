#include "engine/optimizer/shape_derivation.h"

#include <algorithm>
#include <set>

#include "engine/optimizer/passes.h"

namespace berth::opt {

namespace {

using DimList = std::vector<int64_t>;

// Guards the recursion on very deep graphs (the answer is then "unknown", which is always safe).
constexpr int kMaxDepth = 4000;

const std::set<std::string>& ShapePreserving() {
  static const std::set<std::string> ops = {"Relu",       "Sigmoid",     "Tanh",
                                            "Erf",        "Sqrt",        "Neg",
                                            "Abs",        "Exp",         "Log",
                                            "Reciprocal", "Cast",        "Softmax",
                                            "LogSoftmax", "Identity",    "Dropout",
                                            "LeakyRelu",  "HardSigmoid", "Gelu",
                                            "HardSwish",  "Clip",        "Floor",
                                            "Ceil",       "Not",         "Softplus",
                                            "Elu",        "Selu",        "LayerNormalization"};
  return ops;
}

const std::set<std::string>& Broadcasting() {
  static const std::set<std::string> ops = {"Add",   "Sub",   "Mul",  "Div",     "Pow",
                                            "Where", "Equal", "Less", "Greater", "And",
                                            "Or",    "Max",   "Min"};
  return ops;
}

// Numpy broadcasting of known/unknown dims.
DimList Broadcast(const std::vector<DimList>& shapes) {
  size_t rank = 0;
  for (const DimList& s : shapes) rank = std::max(rank, s.size());
  DimList out(rank, 1);
  for (size_t k = 0; k < rank; ++k) {
    int64_t d = 1;
    bool unknown_non_one = false;  // an unknown dimension that may or may not be 1
    for (const DimList& s : shapes) {
      if (k >= s.size()) continue;
      const int64_t v = s[s.size() - 1 - k];
      if (v < 0) {
        unknown_non_one = true;
      } else if (v != 1) {
        d = v;
      }
    }
    // A known size other than 1 decides the dimension; otherwise an unknown one might be anything.
    out[rank - 1 - k] = d != 1 ? d : (unknown_non_one ? -1 : 1);
  }
  return out;
}

int64_t Normalize(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

}  // namespace

std::optional<DimList> ShapeDeriver::ConstantInts(const std::string& name) const {
  const Tensor* t = view_.Constant(name);
  if (!t || (t->dtype() != DataType::kInt64 && t->dtype() != DataType::kInt32)) return std::nullopt;
  DimList out;
  for (double v : TensorToDoubles(*t)) out.push_back(static_cast<int64_t>(v));
  return out;
}

std::optional<DimList> ShapeDeriver::Dims(const std::string& name) {
  if (auto s = view_.StaticShape(name)) return *s;
  auto it = memo_.find(name);
  if (it != memo_.end()) return it->second;
  memo_[name] = std::nullopt;  // cycles and re-entry see "unknown"
  std::optional<std::vector<int64_t>> result;
  const ValueInfo* vi = view_.Info(name);
  if (vi && vi->has_shape && vi->kind != ValueInfo::Kind::kSequence) result = vi->dims;
  const int p = view_.Producer(name);
  if (p >= 0 && depth_ < kMaxDepth) {
    const Node& node = view_.graph().nodes[static_cast<size_t>(p)];
    size_t output = 0;
    while (output < node.outputs.size() && node.outputs[output] != name) ++output;
    ++depth_;
    auto derived = Derive(node, output);
    --depth_;
    if (derived && result && derived->size() == result->size()) {
      for (size_t d = 0; d < result->size(); ++d)
        if ((*result)[d] < 0) (*result)[d] = (*derived)[d];
    } else if (derived && !result) {
      result = derived;
    }
  }
  memo_[name] = result;
  return result;
}

std::optional<std::vector<int64_t>> ShapeDeriver::Derive(const Node& node, size_t output) {
  const std::string& op = node.op_type;
  const bool onnx = node.domain.empty();
  const bool berth = node.domain == kBerthDomain;
  auto in = [&](size_t i) -> std::optional<std::vector<int64_t>> {
    if (i >= node.inputs.size() || node.inputs[i].empty()) return std::nullopt;
    return Dims(node.inputs[i]);
  };
  auto attr_ints = [&](const char* name) -> std::optional<std::vector<int64_t>> {
    const Attribute* a = node.FindAttribute(name);
    if (!a || a->type != Attribute::Type::kInts) return std::nullopt;
    return a->ints;
  };
  auto attr_int = [&](const char* name, int64_t fallback) {
    const Attribute* a = node.FindAttribute(name);
    return a && a->type == Attribute::Type::kInt ? a->i : fallback;
  };
  if (output != 0) return std::nullopt;

  if ((onnx && ShapePreserving().count(op)) ||
      (berth && (op == "Gelu" || op == "LayerNormalization")))
    return in(0);
  if (berth && (op == "FusedConv")) return std::nullopt;
  if (onnx && Broadcasting().count(op)) {
    std::vector<std::vector<int64_t>> shapes;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      auto s = in(i);
      if (!s) return std::nullopt;
      shapes.push_back(*s);
    }
    return Broadcast(shapes);
  }
  if (onnx && op == "Transpose") {
    auto x = in(0);
    if (!x) return std::nullopt;
    const int64_t rank = static_cast<int64_t>(x->size());
    std::vector<int64_t> perm;
    if (auto p = attr_ints("perm")) {
      perm = *p;
    } else {
      for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
    }
    if (static_cast<int64_t>(perm.size()) != rank) return std::nullopt;
    std::vector<int64_t> out;
    for (int64_t p : perm) {
      if (p < 0 || p >= rank) return std::nullopt;
      out.push_back((*x)[static_cast<size_t>(p)]);
    }
    return out;
  }
  if ((onnx && op == "MatMul") || (berth && op == "FusedMatMul")) {
    auto a = in(0), b = in(1);
    if (!a || !b || a->size() < 2 || b->size() < 2) return std::nullopt;
    std::vector<int64_t> ab(a->begin(), a->end() - 2), bb(b->begin(), b->end() - 2);
    std::vector<int64_t> out = Broadcast({ab, bb});
    out.push_back((*a)[a->size() - 2]);
    out.push_back(b->back());
    return out;
  }
  if ((onnx && op == "Gemm") || (berth && op == "FusedGemm")) {
    // A and B are matrices, so the output has rank 2 even when one operand's dims are unknown.
    auto a = in(0), b = in(1);
    if ((a && a->size() != 2) || (b && b->size() != 2)) return std::nullopt;
    const int64_t m = !a ? -1 : (attr_int("transA", 0) ? (*a)[1] : (*a)[0]);
    const int64_t n = !b ? -1 : (attr_int("transB", 0) ? (*b)[0] : (*b)[1]);
    return std::vector<int64_t>{m, n};
  }
  if (onnx && op == "Slice" && node.inputs.size() >= 3) {
    auto x = in(0);
    auto starts = ConstantInts(node.inputs[1]);
    auto ends = ConstantInts(node.inputs[2]);
    if (!x || !starts || !ends || starts->size() != ends->size()) return std::nullopt;
    const int64_t rank = static_cast<int64_t>(x->size());
    std::vector<int64_t> axes, steps(starts->size(), 1);
    if (node.inputs.size() > 3 && !node.inputs[3].empty()) {
      auto a = ConstantInts(node.inputs[3]);
      if (!a || a->size() != starts->size()) return std::nullopt;
      axes = *a;
    } else {
      for (size_t i = 0; i < starts->size(); ++i) axes.push_back(static_cast<int64_t>(i));
    }
    if (node.inputs.size() > 4 && !node.inputs[4].empty()) {
      auto s = ConstantInts(node.inputs[4]);
      if (!s || s->size() != starts->size()) return std::nullopt;
      steps = *s;
    }
    std::vector<int64_t> out = *x;
    for (size_t i = 0; i < axes.size(); ++i) {
      const int64_t axis = Normalize(axes[i], rank);
      if (axis < 0 || axis >= rank) return std::nullopt;
      const int64_t dim = (*x)[static_cast<size_t>(axis)];
      const int64_t step = steps[i];
      if (dim < 0 || step == 0) {
        out[static_cast<size_t>(axis)] = -1;
        continue;
      }
      // ONNX Slice: clamp start/end to the dimension (direction-dependent), count the steps.
      int64_t s = (*starts)[i], e = (*ends)[i];
      if (s < 0) s += dim;
      if (e < 0) e += dim;
      int64_t len = 0;
      if (step > 0) {
        s = std::clamp<int64_t>(s, 0, dim);
        e = std::clamp<int64_t>(e, 0, dim);
        len = e > s ? (e - s + step - 1) / step : 0;
      } else {
        s = std::clamp<int64_t>(s, 0, dim - 1);
        e = std::clamp<int64_t>(e, -1, dim - 1);
        len = s > e ? (s - e + (-step) - 1) / (-step) : 0;
      }
      out[static_cast<size_t>(axis)] = len;
    }
    return out;
  }
  if (onnx && op == "Reshape" && node.inputs.size() == 2) {
    auto x = in(0);
    auto target = ConstantInts(node.inputs[1]);
    if (!target) return std::nullopt;
    const bool allowzero = attr_int("allowzero", 0) != 0;
    std::vector<int64_t> out;
    int minus_one = -1;
    for (size_t i = 0; i < target->size(); ++i) {
      const int64_t t = (*target)[i];
      if (t == 0 && !allowzero) {
        out.push_back(x && i < x->size() ? (*x)[i] : -1);
      } else if (t == -1) {
        minus_one = static_cast<int>(i);
        out.push_back(-1);
      } else if (t < 0) {
        return std::nullopt;
      } else {
        out.push_back(t);
      }
    }
    if (minus_one >= 0 && x) {
      // -1 is the input's element count over the other output dims. Unknown input dims cancel when
      // a 0 copies them to the output (e.g. [B, 6, 8] -> [0, 0, -1] gives 8 for any B).
      int64_t in_known = 1, out_known = 1;
      bool known = true;
      std::vector<bool> cancelled(x->size(), false);
      for (size_t i = 0; i < out.size(); ++i) {
        if (static_cast<int>(i) == minus_one) continue;
        const bool copied = (*target)[i] == 0 && !allowzero;
        if (copied && i < x->size() && (*x)[i] < 0) {
          cancelled[i] = true;
        } else if (out[i] >= 0) {
          out_known *= out[i];
        } else {
          known = false;
        }
      }
      for (size_t i = 0; i < x->size(); ++i) {
        if (cancelled[i]) continue;
        if ((*x)[i] < 0)
          known = false;
        else
          in_known *= (*x)[i];
      }
      if (known && out_known > 0 && in_known % out_known == 0)
        out[static_cast<size_t>(minus_one)] = in_known / out_known;
    }
    return out;
  }
  if (onnx && (op == "Unsqueeze" || op == "Squeeze")) {
    auto x = in(0);
    if (!x) return std::nullopt;
    std::optional<std::vector<int64_t>> axes = attr_ints("axes");
    if (!axes && node.inputs.size() > 1 && !node.inputs[1].empty())
      axes = ConstantInts(node.inputs[1]);
    if (!axes) return std::nullopt;  // Squeeze without axes depends on which dims are 1
    if (op == "Unsqueeze") {
      const int64_t rank = static_cast<int64_t>(x->size() + axes->size());
      std::set<int64_t> at;
      for (int64_t a : *axes) at.insert(Normalize(a, rank));
      std::vector<int64_t> out;
      size_t next = 0;
      for (int64_t d = 0; d < rank; ++d)
        out.push_back(at.count(d) ? 1 : (next < x->size() ? (*x)[next++] : -1));
      return out;
    }
    const int64_t rank = static_cast<int64_t>(x->size());
    std::set<int64_t> drop;
    for (int64_t a : *axes) drop.insert(Normalize(a, rank));
    std::vector<int64_t> out;
    for (int64_t d = 0; d < rank; ++d)
      if (!drop.count(d)) out.push_back((*x)[static_cast<size_t>(d)]);
    return out;
  }
  if (onnx && op == "Concat") {
    std::vector<std::vector<int64_t>> shapes;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      auto s = in(i);
      if (!s || (!shapes.empty() && s->size() != shapes[0].size())) return std::nullopt;
      shapes.push_back(*s);
    }
    if (shapes.empty()) return std::nullopt;
    const int64_t rank = static_cast<int64_t>(shapes[0].size());
    const int64_t axis = Normalize(attr_int("axis", 0), rank);
    if (axis < 0 || axis >= rank) return std::nullopt;
    std::vector<int64_t> out(static_cast<size_t>(rank), -1);
    int64_t sum = 0;
    for (const auto& s : shapes)
      sum = (sum < 0 || s[static_cast<size_t>(axis)] < 0) ? -1 : sum + s[static_cast<size_t>(axis)];
    for (int64_t d = 0; d < rank; ++d) {
      if (d == axis) continue;
      for (const auto& s : shapes)
        if (s[static_cast<size_t>(d)] >= 0) out[static_cast<size_t>(d)] = s[static_cast<size_t>(d)];
    }
    out[static_cast<size_t>(axis)] = sum;
    return out;
  }
  return std::nullopt;
}

}  // namespace berth::opt
