// MaxUnpool (opsets 9, 11): scatters X into a zero tensor at the flat indices I produced by
// MaxPool. The default output size per axis is (in - 1) * stride + kernel - pads. When the
// output_shape input asks for a larger output, the indices still refer to the default shape (as
// in the ONNX reference and ONNX Runtime): values keep their coordinates and the extra positions at
// the end of each axis stay zero.

#include <vector>

#include "engine/dispatch.h"
#include "engine/shape_util.h"
#include "providers/reference/nn/conv_geometry.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {
namespace {

class MaxUnpoolKernel : public OpKernel {
 public:
  explicit MaxUnpoolKernel(WindowAttributes attrs) : attrs_(std::move(attrs)) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* ind, ctx.RequireInput(1));
    const Tensor* shape_in = ctx.input(2);
    if (x->rank() < 3) {
      return InvalidArgument(where + ": input 0 ('X') must have shape [N, C, D1, ...], got " +
                             ShapeToString(x->shape()));
    }
    if (ind->dtype() != DataType::kInt64 || ind->shape() != x->shape()) {
      return InvalidArgument(where + ": input 1 ('I') must be int64 with X's shape " +
                             ShapeToString(x->shape()) + ", got " + ind->Describe());
    }
    const int rank = x->rank() - 2;
    if (attrs_.kernel_shape.size() != static_cast<size_t>(rank)) {
      return InvalidArgument(where + ": kernel_shape must have " + std::to_string(rank) +
                             " values");
    }
    std::vector<int64_t> strides, dilations, head, tail;
    RETURN_IF_ERROR(FillWindowDefaults(attrs_, rank, &strides, &dilations, &head, &tail, where));
    Shape inferred = {x->dim(0), x->dim(1)};
    for (int i = 0; i < rank; ++i) {
      inferred.push_back((x->dim(i + 2) - 1) * strides[i] + attrs_.kernel_shape[i] - head[i] -
                         tail[i]);
      if (inferred.back() < 0) {
        return InvalidArgument(where +
                               ": the pads leave a negative output size along spatial axis " +
                               std::to_string(i));
      }
    }
    Shape out_shape = inferred;
    if (shape_in) {
      ASSIGN_OR_RETURN(std::vector<int64_t> requested,
                       ToInt64s(*shape_in, where + ": input 2 ('output_shape')"));
      if (requested.size() != inferred.size()) {
        return InvalidArgument(where + ": output_shape " + ShapeToString(requested) +
                               " must have rank " + std::to_string(inferred.size()));
      }
      for (size_t i = 0; i < requested.size(); ++i) {
        if (requested[i] < inferred[i] || (i < 2 && requested[i] != inferred[i])) {
          return InvalidArgument(where + ": output_shape " + ShapeToString(requested) +
                                 " is smaller than the unpooled shape " + ShapeToString(inferred));
        }
      }
      out_shape = requested;
    }
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), out_shape);
    const int64_t limit = NumElements(inferred);
    const int64_t* idx = ind->data<int64_t>();
    // Maps a flat index of the inferred shape to the (possibly larger) output shape.
    const std::vector<int64_t> in_strides = StridesOf(inferred);
    const std::vector<int64_t> out_strides = StridesOf(out_shape);
    const bool same = out_shape == inferred;
    std::vector<int64_t> target(static_cast<size_t>(x->numel()));
    for (int64_t i = 0; i < x->numel(); ++i) {
      int64_t v = idx[i];
      if (v < 0 || v >= limit) {
        return InvalidArgument(where + ": index " + std::to_string(v) +
                               " in I is outside the output of " + std::to_string(limit) +
                               " elements");
      }
      if (!same) {
        int64_t mapped = 0;
        for (size_t d = 0; d < inferred.size(); ++d) {
          mapped += (v / in_strides[d]) * out_strides[d];
          v %= in_strides[d];
        }
        v = mapped;
      }
      target[static_cast<size_t>(i)] = v;
    }
    return VisitType(
        x->dtype(), kAllNumeric,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (kIsNumeric<T>) {
            const T* xd = x->data<T>();
            T* yd = y->data<T>();
            for (size_t i = 0; i < target.size(); ++i) yd[target[i]] = xd[i];
          }
          return Status::Ok();
        },
        where);
  }

 private:
  WindowAttributes attrs_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateMaxUnpool(const KernelInfo& info) {
  ASSIGN_OR_RETURN(WindowAttributes attrs, WindowAttributes::Read(info));
  if (attrs.kernel_shape.empty()) {
    return InvalidArgument(info.NodeLabel() + ": required attribute 'kernel_shape' is missing");
  }
  return MakeKernel<MaxUnpoolKernel>(std::move(attrs));
}

}  // namespace berth::nn
