// If: runs then_branch or else_branch depending on a boolean condition; the branch's outputs become
// the node's outputs.
#include "providers/reference/control_flow/control_flow.h"

namespace berth {

namespace {

class IfKernel final : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* cond, ctx.RequireInput(0));
    if (cond->numel() != 1) {
      return InvalidArgument(ctx.NodeLabel() + ": condition must have exactly one element, got shape " +
                             ShapeToString(cond->shape()));
    }
    bool take_then;
    if (cond->dtype() == DataType::kBool) {
      take_then = cond->data<bool>()[0];
    } else {
      return InvalidArgument(ctx.NodeLabel() + ": condition must be bool, got " + std::string(DataTypeName(cond->dtype())));
    }
    ASSIGN_OR_RETURN(std::vector<Value> outputs, ctx.RunSubgraph(take_then ? "then_branch" : "else_branch", {}));
    if (static_cast<int>(outputs.size()) != ctx.num_outputs()) {
      return InvalidArgument(ctx.NodeLabel() + ": branch returned " + std::to_string(outputs.size()) +
                             " outputs, the node has " + std::to_string(ctx.num_outputs()));
    }
    for (size_t i = 0; i < outputs.size(); ++i) ctx.SetOutput(static_cast<int>(i), std::move(outputs[i]));
    return Status::Ok();
  }
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateIf(const KernelInfo& info) {
  for (const char* branch : {"then_branch", "else_branch"}) {
    const Attribute* a = info.GetAttribute(branch);
    if (!a || a->type != Attribute::Type::kGraph || !a->g) {
      return InvalidArgument(info.NodeLabel() + ": graph attribute '" + branch + "' is missing");
    }
  }
  return MakeKernel<IfKernel>();
}

}  // namespace berth
