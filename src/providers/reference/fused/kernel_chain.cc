#include "providers/reference/fused/kernel_chain.h"

#include <limits>

#include "providers/reference/math/math_kernels.h"

namespace berth::fused {

namespace {

// The context a step runs in: explicit inputs, one captured output, everything else from the
// parent.
class StepContext final : public KernelContext {
 public:
  StepContext(KernelContext& parent, const std::vector<const Value*>& inputs)
      : parent_(parent), inputs_(inputs) {}

  int num_inputs() const override { return static_cast<int>(inputs_.size()); }
  int num_outputs() const override { return 1; }
  const Value* input_value(int i) const override {
    return i >= 0 && i < num_inputs() ? inputs_[static_cast<size_t>(i)] : nullptr;
  }
  bool output_wanted(int i) const override { return i == 0; }
  Tensor* AllocateOutput(int i, DataType dtype, Shape shape) override {
    if (i != 0) {
      scratch_ = Tensor(dtype, std::move(shape));
      return &scratch_;
    }
    output_ = Value(Tensor(dtype, std::move(shape)));
    return &output_.tensor();
  }
  void SetOutput(int i, Value value) override {
    if (i == 0) output_ = std::move(value);
  }
  StatusOr<std::vector<Value>> RunSubgraph(const std::string& attr_name,
                                           std::vector<Value>) override {
    return Unimplemented(NodeLabel() + ": a fused step has no subgraph '" + attr_name + "'");
  }
  ThreadPool* thread_pool() const override { return parent_.thread_pool(); }
  std::string NodeLabel() const override { return parent_.NodeLabel(); }

  Value TakeOutput() { return std::move(output_); }

 private:
  KernelContext& parent_;
  const std::vector<const Value*>& inputs_;
  Value output_;
  Tensor scratch_;
};

Attribute FloatAttribute(float v) {
  Attribute a;
  a.type = Attribute::Type::kFloat;
  a.f = v;
  return a;
}

Attribute StringAttribute(std::string v) {
  Attribute a;
  a.type = Attribute::Type::kString;
  a.s = std::move(v);
  return a;
}

// Swish as the unfused pair it replaces: Mul(X, Sigmoid(X)).
class SwishStep final : public OpKernel {
 public:
  SwishStep(std::unique_ptr<OpKernel> sigmoid, std::unique_ptr<OpKernel> mul)
      : sigmoid_(std::move(sigmoid)), mul_(std::move(mul)) {}

  Status Compute(KernelContext& ctx) const override {
    const Value* x = ctx.input_value(0);
    ASSIGN_OR_RETURN(Value s, RunStep(*sigmoid_, ctx, {x}));
    ASSIGN_OR_RETURN(Value y, RunStep(*mul_, ctx, {x, &s}));
    ctx.SetOutput(0, std::move(y));
    return Status::Ok();
  }

 private:
  std::unique_ptr<OpKernel> sigmoid_, mul_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateStep(KernelFactory factory, const std::string& op_type,
                                               std::map<std::string, Attribute> attributes,
                                               int opset, int num_inputs,
                                               const std::string& where) {
  Node node;
  node.name = where;
  node.op_type = op_type;
  node.attributes = std::move(attributes);
  for (int i = 0; i < num_inputs; ++i) node.inputs.push_back("in" + std::to_string(i));
  node.outputs = {"out"};
  KernelInfo info(node, opset, nullptr);
  auto kernel = factory(info);
  if (!kernel.ok()) return kernel.status().WithContext(where + " (its " + op_type + " step)");
  return kernel;
}

StatusOr<Value> RunStep(const OpKernel& step, KernelContext& parent,
                        const std::vector<const Value*>& inputs) {
  StepContext ctx(parent, inputs);
  RETURN_IF_ERROR(step.Compute(ctx));
  Value out = ctx.TakeOutput();
  if (!out.is_tensor())
    return InvalidArgument(parent.NodeLabel() + ": a fused step produced no output");
  return out;
}

std::map<std::string, Attribute> WithoutActivation(const Node& node) {
  std::map<std::string, Attribute> attrs = node.attributes;
  attrs.erase("activation");
  attrs.erase("activation_params");
  return attrs;
}

StatusOr<std::unique_ptr<OpKernel>> CreateActivationStep(const KernelInfo& info, bool allow_gelu) {
  const std::string name = info.GetString("activation", "");
  const std::vector<float> params = info.GetFloats("activation_params");
  const std::string where = info.NodeLabel();
  auto param = [&](size_t i, float fallback) { return i < params.size() ? params[i] : fallback; };
  std::map<std::string, Attribute> attrs;
  if (name.empty()) return std::unique_ptr<OpKernel>();
  if (name == "Relu") return CreateStep(math::CreateRelu, name, {}, 14, 1, where);
  if (name == "Sigmoid") return CreateStep(math::CreateSigmoid, name, {}, 13, 1, where);
  if (name == "Tanh") return CreateStep(math::CreateTanh, name, {}, 13, 1, where);
  if (name == "HardSwish") return CreateStep(math::CreateHardSwish, name, {}, 14, 1, where);
  if (name == "LeakyRelu") {
    attrs["alpha"] = FloatAttribute(param(0, 0.01f));
    return CreateStep(math::CreateLeakyRelu, name, std::move(attrs), 16, 1, where);
  }
  if (name == "HardSigmoid") {
    attrs["alpha"] = FloatAttribute(param(0, 0.2f));
    attrs["beta"] = FloatAttribute(param(1, 0.5f));
    return CreateStep(math::CreateHardSigmoid, name, std::move(attrs), 6, 1, where);
  }
  if (name == "Clip") {  // the attribute form (opset 6) carries the bounds
    const float inf = std::numeric_limits<float>::infinity();
    attrs["min"] = FloatAttribute(param(0, -inf));
    attrs["max"] = FloatAttribute(param(1, inf));
    return CreateStep(math::CreateClip, name, std::move(attrs), 6, 1, where);
  }
  if (name == "Swish") {
    ASSIGN_OR_RETURN(auto sigmoid, CreateStep(math::CreateSigmoid, "Sigmoid", {}, 13, 1, where));
    ASSIGN_OR_RETURN(auto mul, CreateStep(math::CreateMul, "Mul", {}, 14, 2, where));
    return std::unique_ptr<OpKernel>(new SwishStep(std::move(sigmoid), std::move(mul)));
  }
  if (allow_gelu && (name == "Gelu" || name == "GeluTanh")) {
    attrs["approximate"] = StringAttribute(name == "Gelu" ? "none" : "tanh");
    return CreateStep(math::CreateGelu, "Gelu", std::move(attrs), 20, 1, where);
  }
  return InvalidArgument(
      where + ": unsupported activation '" + name + "'" +
      (allow_gelu ? "" : " (Gelu is only fused into FusedMatMul and FusedGemm)"));
}

}  // namespace berth::fused
