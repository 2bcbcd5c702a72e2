// Slice: strided sub-tensor. Before opset 10 starts/ends/axes are attributes; from 10 they are
// inputs (starts, ends, optional axes, optional steps; int32 or int64). Out-of-range starts/ends
// are clamped and negative steps walk backwards, as the spec describes. Any element type.

#include <algorithm>
#include <cstdint>

#include "engine/shape_util.h"
#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

using tensor_ops::ReadInt64s;

class SliceKernel : public OpKernel {
 public:
  SliceKernel(bool from_attributes, std::vector<int64_t> starts, std::vector<int64_t> ends,
              bool has_axes, std::vector<int64_t> axes)
      : from_attributes_(from_attributes),
        attr_starts_(std::move(starts)),
        attr_ends_(std::move(ends)),
        attr_has_axes_(has_axes),
        attr_axes_(std::move(axes)) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string& where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* data, ctx.RequireInput(0));
    const int rank = data->rank();
    std::vector<int64_t> starts = attr_starts_, ends = attr_ends_, axes = attr_axes_, steps;
    bool has_axes = attr_has_axes_;
    if (!from_attributes_) {
      ASSIGN_OR_RETURN(const Tensor* s, ctx.RequireInput(1));
      ASSIGN_OR_RETURN(const Tensor* e, ctx.RequireInput(2));
      ASSIGN_OR_RETURN(starts, ReadInt64s(*s, where, "input 'starts'"));
      ASSIGN_OR_RETURN(ends, ReadInt64s(*e, where, "input 'ends'"));
      has_axes = false;
      if (const Tensor* a = ctx.input(3)) {
        ASSIGN_OR_RETURN(axes, ReadInt64s(*a, where, "input 'axes'"));
        has_axes = true;
      }
      if (const Tensor* st = ctx.input(4)) {
        ASSIGN_OR_RETURN(steps, ReadInt64s(*st, where, "input 'steps'"));
        if (steps.size() != starts.size()) {
          return InvalidArgument(where + ": steps " + ShapeToString(steps) + " and starts " +
                                 ShapeToString(starts) + " differ in length");
        }
      }
    }
    if (starts.size() != ends.size() || (has_axes && axes.size() != starts.size())) {
      return InvalidArgument(
          where + ": starts " + ShapeToString(starts) + ", ends " + ShapeToString(ends) +
          (has_axes ? ", axes " + ShapeToString(axes) : std::string()) + " differ in length");
    }
    if (!has_axes) {
      axes.resize(starts.size());
      for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(i);
    }
    if (steps.empty()) steps.assign(starts.size(), 1);
    ASSIGN_OR_RETURN(std::vector<int> norm_axes, tensor_ops::NormalizeAxes(axes, rank, where));

    const std::vector<int64_t> in_strides = StridesOf(data->shape());
    Shape out_shape = data->shape();
    std::vector<int64_t> strides = in_strides;
    int64_t base = 0;
    for (size_t i = 0; i < norm_axes.size(); ++i) {
      const size_t a = static_cast<size_t>(norm_axes[i]);
      const int64_t dim = data->shape()[a];
      const int64_t step = steps[i];
      if (step == 0)
        return InvalidArgument(where + ": step for axis " + std::to_string(a) + " is 0");
      int64_t start = starts[i], end = ends[i];
      if (start < 0) start += dim;
      if (end < 0) end += dim;
      int64_t len = 0;
      if (step > 0) {
        start = std::clamp<int64_t>(start, 0, dim);
        end = std::clamp<int64_t>(end, 0, dim);
        if (end > start) len = (end - start - 1) / step + 1;
      } else if (dim > 0) {
        start = std::clamp<int64_t>(start, 0, dim - 1);
        end = std::clamp<int64_t>(end, -1, dim - 1);
        const int64_t magnitude = step == INT64_MIN ? INT64_MAX : -step;
        if (start > end) len = (start - end - 1) / magnitude + 1;
      }
      out_shape[a] = len;
      if (len > 0) base += start * in_strides[a];
      strides[a] = len > 1 ? in_strides[a] * step : 0;  // |step| < dim when len > 1: no overflow
    }
    Tensor* out = ctx.AllocateOutput(0, data->dtype(), out_shape);
    tensor_ops::StridedCopy(*data, base, strides, out_shape, *out);
    return Status::Ok();
  }

 private:
  bool from_attributes_;
  std::vector<int64_t> attr_starts_;
  std::vector<int64_t> attr_ends_;
  bool attr_has_axes_;
  std::vector<int64_t> attr_axes_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateSlice(const KernelInfo& info) {
  const bool from_attributes = info.opset() < 10;
  if (from_attributes && (!info.HasAttribute("starts") || !info.HasAttribute("ends"))) {
    return InvalidArgument(info.NodeLabel() +
                           ": attributes 'starts' and 'ends' are required before opset 10");
  }
  return MakeKernel<SliceKernel>(from_attributes, info.GetInts("starts"), info.GetInts("ends"),
                                 info.HasAttribute("axes"), info.GetInts("axes"));
}

}  // namespace berth
