// Sequence operators: build, index, edit and split/concat sequences of tensors.
#include "engine/shape_util.h"
#include "providers/reference/control_flow/axis_copy.h"
#include "providers/reference/control_flow/control_flow.h"

namespace berth {

namespace {

StatusOr<const Value*> RequireSequence(KernelContext& ctx, int i) {
  const Value* v = ctx.input_value(i);
  if (!v || !v->is_sequence()) return InvalidArgument(ctx.NodeLabel() + ": input " + std::to_string(i) + " must be a sequence");
  return v;
}

// Reads an optional position input (int32/int64 scalar); `fallback` if absent.
StatusOr<int64_t> ReadPosition(KernelContext& ctx, int i, int64_t fallback) {
  const Tensor* t = ctx.input(i);
  if (!t) return fallback;
  if (t->numel() != 1) return InvalidArgument(ctx.NodeLabel() + ": position must be a scalar");
  if (t->dtype() == DataType::kInt64) return t->data<int64_t>()[0];
  if (t->dtype() == DataType::kInt32) return static_cast<int64_t>(t->data<int32_t>()[0]);
  return InvalidArgument(ctx.NodeLabel() + ": position must be int32 or int64");
}

// Maps a position in [-n, n_max) to [0, n_max); error otherwise.
StatusOr<int64_t> CheckPosition(KernelContext& ctx, int64_t pos, int64_t n, int64_t n_max) {
  if (pos < -n || pos >= n_max) {
    return InvalidArgument(ctx.NodeLabel() + ": position " + std::to_string(pos) + " is out of range for a sequence of length " + std::to_string(n));
  }
  return pos < 0 ? pos + n : pos;
}

class SequenceEmptyKernel final : public OpKernel {
 public:
  explicit SequenceEmptyKernel(DataType dtype) : dtype_(dtype) {}
  Status Compute(KernelContext& ctx) const override {
    ctx.SetOutput(0, Value::Sequence(dtype_, {}));
    return Status::Ok();
  }
 private:
  DataType dtype_;
};

class SequenceConstructKernel final : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    std::vector<Tensor> items;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      ASSIGN_OR_RETURN(const Tensor* t, ctx.RequireInput(i));
      if (!items.empty() && t->dtype() != items.front().dtype()) return InvalidArgument(ctx.NodeLabel() + ": inputs have different element types");
      items.push_back(*t);
    }
    DataType dtype = items.empty() ? DataType::kFloat32 : items.front().dtype();
    ctx.SetOutput(0, Value::Sequence(dtype, std::move(items)));
    return Status::Ok();
  }
};

class SequenceInsertKernel final : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Value* seq, RequireSequence(ctx, 0));
    ASSIGN_OR_RETURN(const Tensor* t, ctx.RequireInput(1));
    int64_t n = static_cast<int64_t>(seq->sequence().size());
    ASSIGN_OR_RETURN(int64_t pos, ReadPosition(ctx, 2, n));
    ASSIGN_OR_RETURN(pos, CheckPosition(ctx, pos, n, n + 1));
    std::vector<Tensor> items = seq->sequence();
    items.insert(items.begin() + pos, *t);
    ctx.SetOutput(0, Value::Sequence(t->dtype(), std::move(items)));
    return Status::Ok();
  }
};

class SequenceAtKernel final : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Value* seq, RequireSequence(ctx, 0));
    int64_t n = static_cast<int64_t>(seq->sequence().size());
    if (!ctx.input(1)) return InvalidArgument(ctx.NodeLabel() + ": position is required");
    ASSIGN_OR_RETURN(int64_t pos, ReadPosition(ctx, 1, 0));
    ASSIGN_OR_RETURN(pos, CheckPosition(ctx, pos, n, n));
    ctx.SetOutput(0, seq->sequence()[static_cast<size_t>(pos)]);
    return Status::Ok();
  }
};

class SequenceEraseKernel final : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Value* seq, RequireSequence(ctx, 0));
    int64_t n = static_cast<int64_t>(seq->sequence().size());
    ASSIGN_OR_RETURN(int64_t pos, ReadPosition(ctx, 1, n - 1));
    ASSIGN_OR_RETURN(pos, CheckPosition(ctx, pos, n, n));
    std::vector<Tensor> items = seq->sequence();
    items.erase(items.begin() + pos);
    ctx.SetOutput(0, Value::Sequence(seq->sequence_dtype(), std::move(items)));
    return Status::Ok();
  }
};

class SequenceLengthKernel final : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Value* seq, RequireSequence(ctx, 0));
    ctx.SetOutput(0, Tensor::Scalar<int64_t>(static_cast<int64_t>(seq->sequence().size())));
    return Status::Ok();
  }
};

class SplitToSequenceKernel final : public OpKernel {
 public:
  SplitToSequenceKernel(int64_t axis, bool keepdims) : axis_(axis), keepdims_(keepdims) {}
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* in, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_, in->rank(), ctx.NodeLabel()));
    if (in->rank() == 0) return InvalidArgument(ctx.NodeLabel() + ": cannot split a scalar");
    const int64_t len = in->dim(axis);
    std::vector<int64_t> sizes;
    const Tensor* split = ctx.input(1);
    bool drop_axis = false;
    if (!split) {
      sizes.assign(static_cast<size_t>(len), 1);
      drop_axis = !keepdims_;
    } else if (split->numel() == 1 && split->rank() == 0) {
      int64_t chunk = split->dtype() == DataType::kInt32 ? split->data<int32_t>()[0] : split->data<int64_t>()[0];
      if (chunk <= 0) return InvalidArgument(ctx.NodeLabel() + ": split size must be positive");
      for (int64_t at = 0; at < len; at += chunk) sizes.push_back(std::min(chunk, len - at));
    } else {
      int64_t total = 0;
      for (int64_t i = 0; i < split->numel(); ++i) {
        int64_t s = split->dtype() == DataType::kInt32 ? split->data<int32_t>()[i] : split->data<int64_t>()[i];
        if (s < 0) return InvalidArgument(ctx.NodeLabel() + ": negative split size");
        sizes.push_back(s);
        total += s;
      }
      if (total != len) {
        return InvalidArgument(ctx.NodeLabel() + ": split sizes sum to " + std::to_string(total) + ", axis has " + std::to_string(len));
      }
    }
    std::vector<Tensor> items;
    int64_t at = 0;
    for (int64_t s : sizes) {
      Tensor part = SliceAxis(*in, axis, at, s);
      if (drop_axis) {
        Shape sh = part.shape();
        sh.erase(sh.begin() + axis);
        part = part.Reshaped(sh);
      }
      items.push_back(std::move(part));
      at += s;
    }
    ctx.SetOutput(0, Value::Sequence(in->dtype(), std::move(items)));
    return Status::Ok();
  }
 private:
  int64_t axis_;
  bool keepdims_;
};

class ConcatFromSequenceKernel final : public OpKernel {
 public:
  ConcatFromSequenceKernel(int64_t axis, bool new_axis) : axis_(axis), new_axis_(new_axis) {}
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Value* seq, RequireSequence(ctx, 0));
    const auto& items = seq->sequence();
    if (items.empty()) return InvalidArgument(ctx.NodeLabel() + ": cannot concatenate an empty sequence");
    const Tensor& first = items.front();
    ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_, first.rank() + (new_axis_ ? 1 : 0), ctx.NodeLabel()));
    for (const Tensor& t : items) {
      bool ok = t.dtype() == first.dtype() && t.rank() == first.rank();
      for (int d = 0; ok && d < t.rank(); ++d)
        if ((new_axis_ || d != axis) && t.dim(d) != first.dim(d)) ok = false;
      if (!ok) return InvalidArgument(ctx.NodeLabel() + ": element " + t.Describe() + " does not match " + first.Describe());
    }
    ctx.SetOutput(0, new_axis_ ? StackAxis(items, axis) : ConcatAxis(items, axis));
    return Status::Ok();
  }
 private:
  int64_t axis_;
  bool new_axis_;
};

// SequenceMap: applies `body` to each element (sequence inputs are indexed, tensors are passed whole).
class SequenceMapKernel final : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Value* seq, RequireSequence(ctx, 0));
    size_t n = seq->sequence().size();
    std::vector<std::vector<Tensor>> outs(static_cast<size_t>(ctx.num_outputs()));
    for (size_t i = 0; i < n; ++i) {
      std::vector<Value> body_in;
      for (int k = 0; k < ctx.num_inputs(); ++k) {
        const Value* v = ctx.input_value(k);
        if (!v) return InvalidArgument(ctx.NodeLabel() + ": input " + std::to_string(k) + " is missing");
        if (v->is_sequence()) {
          if (v->sequence().size() != n) return InvalidArgument(ctx.NodeLabel() + ": sequence inputs differ in length");
          body_in.push_back(v->sequence()[i]);
        } else {
          body_in.push_back(*v);
        }
      }
      ASSIGN_OR_RETURN(std::vector<Value> out, ctx.RunSubgraph("body", std::move(body_in)));
      if (out.size() != outs.size()) return InvalidArgument(ctx.NodeLabel() + ": body output count mismatch");
      for (size_t k = 0; k < out.size(); ++k) {
        if (!out[k].is_tensor()) return InvalidArgument(ctx.NodeLabel() + ": body output is not a tensor");
        outs[k].push_back(out[k].tensor());
      }
    }
    for (size_t k = 0; k < outs.size(); ++k) {
      DataType dtype = outs[k].empty() ? DataType::kFloat32 : outs[k].front().dtype();
      ctx.SetOutput(static_cast<int>(k), Value::Sequence(dtype, std::move(outs[k])));
    }
    return Status::Ok();
  }
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateSequenceEmpty(const KernelInfo& info) {
  int64_t dtype = info.GetInt("dtype", static_cast<int64_t>(DataType::kFloat32));
  if (!IsValidDataType(static_cast<int32_t>(dtype))) return InvalidArgument(info.NodeLabel() + ": invalid dtype " + std::to_string(dtype));
  return MakeKernel<SequenceEmptyKernel>(static_cast<DataType>(dtype));
}
StatusOr<std::unique_ptr<OpKernel>> CreateSequenceConstruct(const KernelInfo&) { return MakeKernel<SequenceConstructKernel>(); }
StatusOr<std::unique_ptr<OpKernel>> CreateSequenceInsert(const KernelInfo&) { return MakeKernel<SequenceInsertKernel>(); }
StatusOr<std::unique_ptr<OpKernel>> CreateSequenceAt(const KernelInfo&) { return MakeKernel<SequenceAtKernel>(); }
StatusOr<std::unique_ptr<OpKernel>> CreateSequenceErase(const KernelInfo&) { return MakeKernel<SequenceEraseKernel>(); }
StatusOr<std::unique_ptr<OpKernel>> CreateSequenceLength(const KernelInfo&) { return MakeKernel<SequenceLengthKernel>(); }
StatusOr<std::unique_ptr<OpKernel>> CreateSplitToSequence(const KernelInfo& info) {
  return MakeKernel<SplitToSequenceKernel>(info.GetInt("axis", 0), info.GetInt("keepdims", 1) != 0);
}
StatusOr<std::unique_ptr<OpKernel>> CreateConcatFromSequence(const KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t axis, info.RequireInt("axis"));
  return MakeKernel<ConcatFromSequenceKernel>(axis, info.GetInt("new_axis", 0) != 0);
}
StatusOr<std::unique_ptr<OpKernel>> CreateSequenceMap(const KernelInfo& info) {
  const Attribute* body = info.GetAttribute("body");
  if (!body || body->type != Attribute::Type::kGraph || !body->g) {
    return InvalidArgument(info.NodeLabel() + ": graph attribute 'body' is missing");
  }
  return MakeKernel<SequenceMapKernel>();
}

}  // namespace berth
