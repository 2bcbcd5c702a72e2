// Reshape (opsets 1-14+): a view of the input with a new shape. Before opset 5 the shape is the
// `shape` attribute; from 5 it is an int64 input. 0 copies the input dimension (unless allowzero=1,
// opset 14), -1 is inferred from the element count.

#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

using tensor_ops::ReadInt64s;

StatusOr<Shape> ResolveShape(const Shape& in, const std::vector<int64_t>& requested,
                             bool allow_zero, const std::string& where) {
  Shape out(requested.size());
  int unknown = -1;
  bool has_zero = false;
  int64_t known = 1;
  for (size_t i = 0; i < requested.size(); ++i) {
    int64_t v = requested[i];
    if (v == -1) {
      if (unknown >= 0)
        return InvalidArgument(where + ": shape " + ShapeToString(requested) +
                               " has more than one -1");
      unknown = static_cast<int>(i);
      continue;
    }
    if (v < -1) {
      return InvalidArgument(where + ": shape " + ShapeToString(requested) +
                             " has invalid dimension " + std::to_string(v));
    }
    if (v == 0) {
      has_zero = true;
      if (!allow_zero) {
        if (i >= in.size()) {
          return InvalidArgument(where + ": shape " + ShapeToString(requested) +
                                 " copies dimension " + std::to_string(i) + " (0) but the input " +
                                 ShapeToString(in) + " has rank " + std::to_string(in.size()));
        }
        v = in[i];
      }
    }
    out[i] = v;
    if (__builtin_mul_overflow(known, v, &known)) {
      return InvalidArgument(where + ": shape " + ShapeToString(requested) + " is too large");
    }
  }
  if (allow_zero && has_zero && unknown >= 0) {
    return InvalidArgument(where + ": shape " + ShapeToString(requested) +
                           " has both 0 and -1, which allowzero=1 forbids");
  }
  const int64_t numel = NumElements(in);
  if (unknown >= 0) {
    if (known == 0 || numel % known != 0) {
      return InvalidArgument(where + ": cannot reshape " + ShapeToString(in) + " to " +
                             ShapeToString(requested));
    }
    out[static_cast<size_t>(unknown)] = numel / known;
  } else if (known != numel) {
    return InvalidArgument(where + ": cannot reshape " + ShapeToString(in) + " (" +
                           std::to_string(numel) + " elements) to " + ShapeToString(out));
  }
  return out;
}

class ReshapeKernel : public OpKernel {
 public:
  ReshapeKernel(bool allow_zero, bool shape_from_attribute, std::vector<int64_t> attr_shape)
      : allow_zero_(allow_zero),
        shape_from_attribute_(shape_from_attribute),
        attr_shape_(std::move(attr_shape)) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* data, ctx.RequireInput(0));
    std::vector<int64_t> requested = attr_shape_;
    if (!shape_from_attribute_) {
      ASSIGN_OR_RETURN(const Tensor* shape, ctx.RequireInput(1));
      if (shape->rank() != 1) {
        return InvalidArgument(ctx.NodeLabel() + ": input 'shape' must be 1-D, got " +
                               shape->Describe());
      }
      ASSIGN_OR_RETURN(requested, ReadInt64s(*shape, ctx.NodeLabel(), "input 'shape'"));
    }
    ASSIGN_OR_RETURN(Shape out,
                     ResolveShape(data->shape(), requested, allow_zero_, ctx.NodeLabel()));
    ctx.SetOutput(0, data->Reshaped(std::move(out)));
    return Status::Ok();
  }

 private:
  bool allow_zero_;
  bool shape_from_attribute_;
  std::vector<int64_t> attr_shape_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateReshape(const KernelInfo& info) {
  bool from_attribute = info.opset() < 5;
  if (from_attribute && !info.HasAttribute("shape")) {
    return InvalidArgument(info.NodeLabel() + ": attribute 'shape' is required before opset 5");
  }
  return MakeKernel<ReshapeKernel>(info.GetInt("allowzero", 0) != 0, from_attribute,
                                   info.GetInts("shape"));
}

}  // namespace berth
