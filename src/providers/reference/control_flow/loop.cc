// Loop: runs `body` while the trip count and the condition allow, threading loop-carried values
// through and stacking per-iteration scan outputs along a new first axis.
#include "providers/reference/control_flow/axis_copy.h"
#include "providers/reference/control_flow/control_flow.h"

namespace berth {

namespace {

class LoopKernel final : public OpKernel {
 public:
  explicit LoopKernel(int num_body_outputs) : num_body_outputs_(num_body_outputs) {}

  Status Compute(KernelContext& ctx) const override {
    int64_t max_trips = -1;  // -1: unbounded
    if (const Tensor* m = ctx.input(0)) {
      if (m->numel() != 1 || m->dtype() != DataType::kInt64) {
        return InvalidArgument(ctx.NodeLabel() + ": trip count M must be an int64 scalar, got " + m->Describe());
      }
      max_trips = m->data<int64_t>()[0];
    }
    bool cond = true;
    if (const Tensor* c = ctx.input(1)) {
      if (c->numel() != 1 || c->dtype() != DataType::kBool) {
        return InvalidArgument(ctx.NodeLabel() + ": cond must be a bool scalar, got " + c->Describe());
      }
      cond = c->data<bool>()[0];
    }
    const int num_carried = ctx.num_inputs() - 2;
    const int num_scan = num_body_outputs_ - 1 - num_carried;
    if (num_scan < 0) {
      return InvalidArgument(ctx.NodeLabel() + ": body has " + std::to_string(num_body_outputs_) +
                             " outputs, fewer than 1 + " + std::to_string(num_carried) + " loop-carried values");
    }
    std::vector<Value> carried;
    for (int i = 0; i < num_carried; ++i) {
      const Value* v = ctx.input_value(i + 2);
      carried.push_back(v ? *v : Value());
    }
    std::vector<std::vector<Tensor>> scans(static_cast<size_t>(num_scan));
    for (int64_t iter = 0; (max_trips < 0 || iter < max_trips) && cond; ++iter) {
      std::vector<Value> body_inputs;
      body_inputs.push_back(Tensor::Scalar<int64_t>(iter));
      body_inputs.push_back(Tensor::Scalar<bool>(cond));
      for (const Value& v : carried) body_inputs.push_back(v);
      ASSIGN_OR_RETURN(std::vector<Value> out, ctx.RunSubgraph("body", std::move(body_inputs)));
      if (static_cast<int>(out.size()) != num_body_outputs_) {
        return InvalidArgument(ctx.NodeLabel() + ": body returned " + std::to_string(out.size()) + " values");
      }
      if (!out[0].is_tensor() || out[0].tensor().numel() != 1 || out[0].tensor().dtype() != DataType::kBool) {
        return InvalidArgument(ctx.NodeLabel() + ": body's first output (condition) must be a bool scalar");
      }
      cond = out[0].tensor().data<bool>()[0];
      for (int i = 0; i < num_carried; ++i) carried[static_cast<size_t>(i)] = std::move(out[static_cast<size_t>(i + 1)]);
      for (int k = 0; k < num_scan; ++k) {
        Value& v = out[static_cast<size_t>(1 + num_carried + k)];
        if (!v.is_tensor()) return InvalidArgument(ctx.NodeLabel() + ": scan output " + std::to_string(k) + " is not a tensor");
        auto& list = scans[static_cast<size_t>(k)];
        if (!list.empty() && (list.front().shape() != v.tensor().shape() || list.front().dtype() != v.tensor().dtype())) {
          return InvalidArgument(ctx.NodeLabel() + ": scan output " + std::to_string(k) + " changed from " +
                                 list.front().Describe() + " to " + v.tensor().Describe() + " between iterations");
        }
        list.push_back(v.tensor());
      }
    }
    for (int i = 0; i < num_carried; ++i) ctx.SetOutput(i, std::move(carried[static_cast<size_t>(i)]));
    for (int k = 0; k < num_scan; ++k) {
      auto& list = scans[static_cast<size_t>(k)];
      if (!ctx.output_wanted(num_carried + k)) continue;
      if (list.empty()) {
        ctx.AllocateOutput(num_carried + k, DataType::kFloat32, {0});
      } else {
        ctx.SetOutput(num_carried + k, StackAxis(list, 0));
      }
    }
    return Status::Ok();
  }

 private:
  int num_body_outputs_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateLoop(const KernelInfo& info) {
  const Attribute* body = info.GetAttribute("body");
  if (!body || body->type != Attribute::Type::kGraph || !body->g) {
    return InvalidArgument(info.NodeLabel() + ": graph attribute 'body' is missing");
  }
  if (info.num_inputs() < 2) return InvalidArgument(info.NodeLabel() + ": Loop needs at least inputs M and cond");
  return MakeKernel<LoopKernel>(static_cast<int>(body->g->outputs.size()));
}

}  // namespace berth
