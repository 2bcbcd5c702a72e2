#include "providers/reference/math/elementwise.h"

#include "engine/shape_util.h"

namespace berth::math {

StatusOr<BroadcastPlan> BroadcastPlan::Create(const std::vector<Shape>& inputs,
                                              const std::string& where) {
  BroadcastPlan plan;
  const size_t n = inputs.size();
  if (n == 0 || n > kMaxInputs) {
    return Internal(where + ": broadcast plan for " + std::to_string(n) +
                    " inputs is not supported");
  }
  plan.num_inputs_ = n;
  ASSIGN_OR_RETURN(plan.out_shape_, BroadcastShapes(inputs, where));
  plan.out_numel_ = NumElements(plan.out_shape_);
  for (size_t k = 0; k < n; ++k) plan.step_[k] = 1;
  if (plan.out_numel_ == 0) return plan;

  // Per output dimension (dropping size-1 ones, which contribute nothing): its size, whether each
  // input is broadcast along it, and each input's element stride along it.
  const Shape& out = plan.out_shape_;
  const size_t rank = out.size();
  struct Dim {
    int64_t size;
    bool broadcast[kMaxInputs];
    int64_t stride[kMaxInputs];
  };
  std::vector<Dim> dims;
  std::vector<std::vector<int64_t>> in_strides(n);
  for (size_t k = 0; k < n; ++k) in_strides[k] = StridesOf(inputs[k]);
  for (size_t d = 0; d < rank; ++d) {
    if (out[d] == 1) continue;
    Dim dim{};
    dim.size = out[d];
    for (size_t k = 0; k < n; ++k) {
      const Shape& s = inputs[k];
      const size_t pad = rank - s.size();
      const bool present = d >= pad && s[d - pad] != 1;
      dim.broadcast[k] = !present;
      dim.stride[k] = present ? in_strides[k][d - pad] : 0;
    }
    // Merge into the previous dimension when every input is broadcast along both or along neither:
    // then the pair is one contiguous (or one repeated) dimension for every input.
    if (!dims.empty()) {
      Dim& prev = dims.back();
      bool same = true;
      for (size_t k = 0; k < n; ++k) same = same && prev.broadcast[k] == dim.broadcast[k];
      if (same) {
        prev.size *= dim.size;
        for (size_t k = 0; k < n; ++k) prev.stride[k] = dim.stride[k];
        continue;
      }
    }
    dims.push_back(dim);
  }
  if (dims.empty()) return plan;  // a single element

  const Dim& last = dims.back();
  plan.inner_ = last.size;
  for (size_t k = 0; k < n; ++k) plan.step_[k] = last.broadcast[k] ? 0 : 1;
  dims.pop_back();
  plan.outer_.reserve(dims.size());
  plan.outer_strides_.reserve(dims.size() * n);
  for (const Dim& dim : dims) {
    plan.outer_.push_back(dim.size);
    for (size_t k = 0; k < n; ++k) plan.outer_strides_.push_back(dim.stride[k]);
  }
  return plan;
}

Status RequireSameType(const KernelContext& ctx, const Tensor& a, const Tensor& b) {
  if (a.dtype() == b.dtype()) return Status::Ok();
  return InvalidArgument(ctx.NodeLabel() + ": inputs must have the same element type, got " +
                         std::string(DataTypeName(a.dtype())) + " and " +
                         std::string(DataTypeName(b.dtype())));
}

LegacyBroadcast LegacyBroadcast::FromNode(const KernelInfo& info) {
  LegacyBroadcast legacy;
  if (info.opset() >= 7) return legacy;
  legacy.enabled = info.GetInt("broadcast", 0) != 0;
  legacy.has_axis = info.HasAttribute("axis");
  legacy.axis = info.GetInt("axis", 0);
  return legacy;
}

StatusOr<Shape> LegacyBroadcast::AlignB(const Shape& a, const Shape& b,
                                        const std::string& where) const {
  const int64_t ra = static_cast<int64_t>(a.size()), rb = static_cast<int64_t>(b.size());
  if (rb > ra) {
    return InvalidArgument(where + ": with broadcast=1, input B " + ShapeToString(b) +
                           " must not have more dimensions than input A " + ShapeToString(a));
  }
  const int64_t start = has_axis ? (axis < 0 ? axis + ra : axis) : ra - rb;
  if (start < 0 || start + rb > ra) {
    return InvalidArgument(where + ": broadcast axis " + std::to_string(axis) +
                           " does not fit input B " + ShapeToString(b) + " into input A " +
                           ShapeToString(a));
  }
  Shape aligned(static_cast<size_t>(ra - start), 1);
  for (int64_t i = 0; i < rb; ++i) aligned[static_cast<size_t>(i)] = b[static_cast<size_t>(i)];
  return aligned;  // leading dimensions are implied by numpy broadcasting
}

}  // namespace berth::math
