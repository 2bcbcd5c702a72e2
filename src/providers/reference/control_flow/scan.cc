// Scan: iterates `body` over slices of the scan inputs, threading state variables through, and
// stacks the per-iteration scan outputs. Opset 8 has a leading batch axis and sequence_lens input;
// opset 9+ has per-input axes and directions.
#include <algorithm>

#include "engine/shape_util.h"
#include "providers/reference/control_flow/axis_copy.h"
#include "providers/reference/control_flow/control_flow.h"

namespace berth {

namespace {

class ScanKernel final : public OpKernel {
 public:
  ScanKernel(int opset, int64_t num_scan_inputs, std::vector<int64_t> input_axes, std::vector<int64_t> input_dirs,
             std::vector<int64_t> output_axes, std::vector<int64_t> output_dirs)
      : opset_(opset), num_scan_inputs_(num_scan_inputs), input_axes_(std::move(input_axes)),
        input_dirs_(std::move(input_dirs)), output_axes_(std::move(output_axes)), output_dirs_(std::move(output_dirs)) {}

  Status Compute(KernelContext& ctx) const override {
    if (opset_ < 9) return ComputeOpset8(ctx);
    const int num_inputs = ctx.num_inputs();
    const int num_state = num_inputs - static_cast<int>(num_scan_inputs_);
    if (num_state < 0) return InvalidArgument(ctx.NodeLabel() + ": fewer inputs than num_scan_inputs");
    std::vector<Value> state;
    for (int i = 0; i < num_state; ++i) {
      ASSIGN_OR_RETURN(const Tensor* t, ctx.RequireInput(i));
      state.push_back(*t);
    }
    std::vector<const Tensor*> scan_in;
    std::vector<int> axes;
    int64_t seq_len = -1;
    for (int k = 0; k < num_scan_inputs_; ++k) {
      ASSIGN_OR_RETURN(const Tensor* t, ctx.RequireInput(num_state + k));
      int64_t axis_attr = k < static_cast<int>(input_axes_.size()) ? input_axes_[static_cast<size_t>(k)] : 0;
      ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_attr, t->rank(), ctx.NodeLabel()));
      if (t->rank() == 0) return InvalidArgument(ctx.NodeLabel() + ": scan input " + std::to_string(k) + " is a scalar");
      if (seq_len >= 0 && t->dim(axis) != seq_len) {
        return InvalidArgument(ctx.NodeLabel() + ": scan inputs have different sequence lengths (" +
                               std::to_string(seq_len) + " and " + std::to_string(t->dim(axis)) + ")");
      }
      seq_len = t->dim(axis);
      scan_in.push_back(t);
      axes.push_back(axis);
    }
    if (seq_len < 0) seq_len = 0;
    const int num_scan_out = ctx.num_outputs() - num_state;
    std::vector<std::vector<Tensor>> scans(static_cast<size_t>(std::max(num_scan_out, 0)));
    for (int64_t it = 0; it < seq_len; ++it) {
      std::vector<Value> body_in = state;
      for (int k = 0; k < num_scan_inputs_; ++k) {
        bool reverse = k < static_cast<int>(input_dirs_.size()) && input_dirs_[static_cast<size_t>(k)] == 1;
        int64_t pos = reverse ? seq_len - 1 - it : it;
        Tensor slice = SliceAxis(*scan_in[static_cast<size_t>(k)], axes[static_cast<size_t>(k)], pos, 1);
        Shape s = slice.shape();
        s.erase(s.begin() + axes[static_cast<size_t>(k)]);
        body_in.push_back(slice.Reshaped(s));
      }
      ASSIGN_OR_RETURN(std::vector<Value> out, ctx.RunSubgraph("body", std::move(body_in)));
      if (static_cast<int>(out.size()) != ctx.num_outputs()) {
        return InvalidArgument(ctx.NodeLabel() + ": body returned " + std::to_string(out.size()) +
                               " values, the node has " + std::to_string(ctx.num_outputs()) + " outputs");
      }
      for (int i = 0; i < num_state; ++i) state[static_cast<size_t>(i)] = out[static_cast<size_t>(i)];
      for (int k = 0; k < num_scan_out; ++k) {
        if (!out[static_cast<size_t>(num_state + k)].is_tensor()) return InvalidArgument(ctx.NodeLabel() + ": scan output is not a tensor");
        scans[static_cast<size_t>(k)].push_back(out[static_cast<size_t>(num_state + k)].tensor());
      }
    }
    for (int i = 0; i < num_state; ++i) ctx.SetOutput(i, state[static_cast<size_t>(i)]);
    for (int k = 0; k < num_scan_out; ++k) {
      auto& list = scans[static_cast<size_t>(k)];
      if (list.empty()) {
        ctx.AllocateOutput(num_state + k, DataType::kFloat32, {0});
        continue;
      }
      bool reverse = k < static_cast<int>(output_dirs_.size()) && output_dirs_[static_cast<size_t>(k)] == 1;
      if (reverse) std::reverse(list.begin(), list.end());
      int64_t axis_attr = k < static_cast<int>(output_axes_.size()) ? output_axes_[static_cast<size_t>(k)] : 0;
      ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_attr, list.front().rank() + 1, ctx.NodeLabel()));
      ctx.SetOutput(num_state + k, StackAxis(list, axis));
    }
    return Status::Ok();
  }

 private:
  // Opset 8: inputs (sequence_lens?, states..., scan inputs...), all with a batch axis 0; scan axis 1.
  Status ComputeOpset8(KernelContext& ctx) const {
    const int num_state = ctx.num_inputs() - 1 - static_cast<int>(num_scan_inputs_);
    if (num_state < 0) return InvalidArgument(ctx.NodeLabel() + ": fewer inputs than num_scan_inputs");
    if (ctx.input(0)) return Unimplemented(ctx.NodeLabel() + ": Scan-8 with sequence_lens is not supported");
    int64_t batch = -1;
    for (int i = 1; i < ctx.num_inputs(); ++i) {
      ASSIGN_OR_RETURN(const Tensor* t, ctx.RequireInput(i));
      if (t->rank() < 1 || (batch >= 0 && t->dim(0) != batch)) return InvalidArgument(ctx.NodeLabel() + ": inputs must share batch axis 0");
      batch = t->dim(0);
    }
    std::vector<std::vector<Tensor>> per_output(static_cast<size_t>(ctx.num_outputs()));
    for (int64_t b = 0; b < batch; ++b) {
      std::vector<Value> state;
      for (int i = 0; i < num_state; ++i) {
        Tensor s = SliceAxis(*ctx.input(1 + i), 0, b, 1);
        Shape sh(s.shape().begin() + 1, s.shape().end());
        state.push_back(s.Reshaped(sh));
      }
      int64_t seq_len = -1;
      std::vector<Tensor> scan_in;
      for (int k = 0; k < num_scan_inputs_; ++k) {
        const Tensor* t = ctx.input(1 + num_state + k);
        if (t->rank() < 2) return InvalidArgument(ctx.NodeLabel() + ": scan inputs need [batch, sequence, ...]");
        Tensor s = SliceAxis(*t, 0, b, 1);
        Shape sh(s.shape().begin() + 1, s.shape().end());
        scan_in.push_back(s.Reshaped(sh));
        seq_len = sh[0];
      }
      std::vector<std::vector<Tensor>> scans(static_cast<size_t>(ctx.num_outputs() - num_state));
      for (int64_t it = 0; it < seq_len; ++it) {
        std::vector<Value> body_in = state;
        for (int k = 0; k < num_scan_inputs_; ++k) {
          bool reverse = k < static_cast<int>(input_dirs_.size()) && input_dirs_[static_cast<size_t>(k)] == 1;
          Tensor slice = SliceAxis(scan_in[static_cast<size_t>(k)], 0, reverse ? seq_len - 1 - it : it, 1);
          Shape sh(slice.shape().begin() + 1, slice.shape().end());
          body_in.push_back(slice.Reshaped(sh));
        }
        ASSIGN_OR_RETURN(std::vector<Value> out, ctx.RunSubgraph("body", std::move(body_in)));
        if (static_cast<int>(out.size()) != ctx.num_outputs()) return InvalidArgument(ctx.NodeLabel() + ": body output count mismatch");
        for (int i = 0; i < num_state; ++i) state[static_cast<size_t>(i)] = out[static_cast<size_t>(i)];
        for (size_t k = 0; k < scans.size(); ++k) scans[k].push_back(out[static_cast<size_t>(num_state) + k].tensor());
      }
      for (int i = 0; i < num_state; ++i) per_output[static_cast<size_t>(i)].push_back(state[static_cast<size_t>(i)].tensor());
      for (size_t k = 0; k < scans.size(); ++k) {
        if (scans[k].empty()) return Unimplemented(ctx.NodeLabel() + ": empty sequences in Scan-8");
        per_output[static_cast<size_t>(num_state) + k].push_back(StackAxis(scans[k], 0));
      }
    }
    for (int i = 0; i < ctx.num_outputs(); ++i) {
      if (per_output[static_cast<size_t>(i)].empty()) return Unimplemented(ctx.NodeLabel() + ": empty batch in Scan-8");
      ctx.SetOutput(i, StackAxis(per_output[static_cast<size_t>(i)], 0));
    }
    return Status::Ok();
  }

  int opset_;
  int64_t num_scan_inputs_;
  std::vector<int64_t> input_axes_, input_dirs_, output_axes_, output_dirs_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateScan(const KernelInfo& info) {
  const Attribute* body = info.GetAttribute("body");
  if (!body || body->type != Attribute::Type::kGraph || !body->g) {
    return InvalidArgument(info.NodeLabel() + ": graph attribute 'body' is missing");
  }
  ASSIGN_OR_RETURN(int64_t num_scan_inputs, info.RequireInt("num_scan_inputs"));
  if (num_scan_inputs < 0 || num_scan_inputs > info.num_inputs()) {
    return InvalidArgument(info.NodeLabel() + ": num_scan_inputs " + std::to_string(num_scan_inputs) + " is out of range");
  }
  std::vector<int64_t> dirs = info.GetInts("scan_input_directions");
  if (info.opset() < 9) dirs = info.GetInts("directions");
  return MakeKernel<ScanKernel>(info.opset(), num_scan_inputs, info.GetInts("scan_input_axes"), dirs,
                                info.GetInts("scan_output_axes"), info.GetInts("scan_output_directions"));
}

}  // namespace berth
