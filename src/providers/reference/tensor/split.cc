// Split: cuts a tensor along `axis` into the node's outputs. Sizes come from the `split` input
// (opsets 1 and 13+) or attribute (2-12); without them the axis is split evenly, or with opset 18's
// `num_outputs` into ceil(dim / n) chunks with a smaller last one. Any element type.

#include <algorithm>

#include "engine/shape_util.h"
#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class SplitKernel : public OpKernel {
 public:
  SplitKernel(int64_t axis, bool has_attr_split, std::vector<int64_t> attr_split,
              int64_t num_outputs_attr)
      : axis_(axis),
        has_attr_split_(has_attr_split),
        attr_split_(std::move(attr_split)),
        num_outputs_attr_(num_outputs_attr) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* data, ctx.RequireInput(0));
    const int rank = data->rank();
    if (rank == 0) return InvalidArgument(ctx.NodeLabel() + ": cannot split a scalar");
    ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_, rank, ctx.NodeLabel()));
    const int64_t dim = data->dim(axis);
    const int n = ctx.num_outputs();
    if (n < 1) return InvalidArgument(ctx.NodeLabel() + ": has no outputs");

    std::vector<int64_t> sizes;
    bool has_split = has_attr_split_;
    sizes = attr_split_;
    if (const Tensor* split = ctx.input(1)) {
      if (split->rank() != 1) {
        return InvalidArgument(ctx.NodeLabel() + ": input 'split' must be 1-D, got " +
                               split->Describe());
      }
      ASSIGN_OR_RETURN(sizes, tensor_ops::ReadInt64s(*split, ctx.NodeLabel(), "input 'split'"));
      has_split = true;
    }
    if (has_split) {
      int64_t total = 0;
      for (int64_t s : sizes) {
        if (s < 0)
          return InvalidArgument(ctx.NodeLabel() + ": split " + ShapeToString(sizes) +
                                 " has a negative size");
        total += s;
      }
      if (static_cast<int>(sizes.size()) != n || total != dim) {
        return InvalidArgument(ctx.NodeLabel() + ": split " + ShapeToString(sizes) +
                               " does not cut dimension " + std::to_string(dim) + " of input " +
                               data->Describe() + " into " + std::to_string(n) + " outputs");
      }
    } else if (num_outputs_attr_ > 0) {
      if (num_outputs_attr_ != n) {
        return InvalidArgument(ctx.NodeLabel() + ": num_outputs " +
                               std::to_string(num_outputs_attr_) + " differs from the node's " +
                               std::to_string(n) + " outputs");
      }
      const int64_t chunk = (dim + n - 1) / n;
      for (int i = 0; i < n; ++i)
        sizes.push_back(std::max<int64_t>(0, std::min(chunk, dim - chunk * i)));
    } else {
      if (dim % n != 0) {
        return InvalidArgument(ctx.NodeLabel() + ": dimension " + std::to_string(dim) +
                               " of input " + data->Describe() + " cannot be split evenly into " +
                               std::to_string(n) + " outputs");
      }
      sizes.assign(static_cast<size_t>(n), dim / n);
    }

    const int64_t outer = tensor_ops::ShapeProduct(data->shape(), 0, axis);
    const int64_t inner = tensor_ops::ShapeProduct(data->shape(), axis + 1, rank);
    const int64_t in_row = dim * inner;
    int64_t column = 0;
    for (int i = 0; i < n; ++i) {
      const int64_t size = sizes[static_cast<size_t>(i)];
      const int64_t block = size * inner;
      if (ctx.output_wanted(i)) {
        Shape shape = data->shape();
        shape[static_cast<size_t>(axis)] = size;
        Tensor* out = ctx.AllocateOutput(i, data->dtype(), shape);
        for (int64_t o = 0; o < outer; ++o)
          tensor_ops::CopyElements(*data, o * in_row + column, *out, o * block, block);
      }
      column += block;
    }
    return Status::Ok();
  }

 private:
  int64_t axis_;
  bool has_attr_split_;
  std::vector<int64_t> attr_split_;
  int64_t num_outputs_attr_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateSplit(const KernelInfo& info) {
  int64_t num_outputs = info.GetInt("num_outputs", 0);
  if (info.HasAttribute("num_outputs") && num_outputs < 1) {
    return InvalidArgument(info.NodeLabel() + ": num_outputs must be positive");
  }
  return MakeKernel<SplitKernel>(info.GetInt("axis", 0), info.HasAttribute("split"),
                                 info.GetInts("split"), num_outputs);
}

}  // namespace berth
