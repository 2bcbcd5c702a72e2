// LayerNormalization (opset 17; registered for every opset since exporters emit it as a contrib
// op too): X is normalised over the trailing axes [axis, rank) and then scaled and shifted:
// Y = (X - Mean) * InvStdDev * Scale + B. Scale and B broadcast (numpy-style) against X without
// changing its shape. Optional outputs Mean and InvStdDev have shape [d0, ..., d(axis-1), 1, ...,
// 1] and the element type of stash_type (float32 by default).

#include <cmath>
#include <vector>

#include "engine/dispatch.h"
#include "engine/shape_util.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {
namespace {

// Scale/B values for every element of X, as compactly as possible: a vector over the normalised
// block when the parameter does not vary over the leading axes (the usual case), else one per
// element of X.
struct Broadcast {
  std::vector<double> values;
  bool per_block = true;
  // The values for row `row` (of `block` elements), converted to C.
  template <typename C>
  const C* Row(const std::vector<C>& converted, int64_t row, int64_t block) const {
    return converted.data() + (per_block ? 0 : row * block);
  }
};

StatusOr<Broadcast> Expand(const Tensor& p, const Shape& x_shape, int axis, const char* name,
                           const std::string& where) {
  ASSIGN_OR_RETURN(Shape b, BroadcastShapes(x_shape, p.shape(), where));
  if (b != x_shape) {
    return InvalidArgument(where + ": " + name + " of shape " + ShapeToString(p.shape()) +
                           " does not broadcast to X " + ShapeToString(x_shape));
  }
  const std::vector<int64_t> strides = BroadcastStrides(p.shape(), x_shape);
  Broadcast out;
  for (int d = 0; d < axis; ++d) out.per_block = out.per_block && strides[d] == 0;
  const std::vector<double> src = ToDoubles(p);
  const int first = out.per_block ? axis : 0;
  Shape sub(x_shape.begin() + first, x_shape.end());
  const int64_t n = NumElements(sub);
  out.values.resize(static_cast<size_t>(n));
  std::vector<int64_t> idx(sub.size(), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < n; ++i) {
    out.values[static_cast<size_t>(i)] = src[static_cast<size_t>(off)];
    for (int d = static_cast<int>(sub.size()) - 1; d >= 0; --d) {
      const int64_t s = strides[d + first];
      ++idx[d];
      off += s;
      if (idx[d] < sub[d]) break;
      off -= s * idx[d];
      idx[d] = 0;
    }
  }
  return out;
}

class LayerNormKernel : public OpKernel {
 public:
  LayerNormKernel(int64_t axis, float epsilon, DataType stash)
      : axis_(axis), epsilon_(epsilon), stash_(stash) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* scale_t, ctx.RequireInput(1));
    const Tensor* bias_t = ctx.input(2);
    if (!IsFloatingPoint(x->dtype())) {
      return InvalidArgument(where + ": X must be a floating-point tensor, got " + x->Describe());
    }
    if (x->rank() == 0) return InvalidArgument(where + ": X must have rank >= 1");
    ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_, x->rank(), where));
    ASSIGN_OR_RETURN(Broadcast scale, Expand(*scale_t, x->shape(), axis, "Scale", where));
    Broadcast bias;
    if (bias_t) {
      ASSIGN_OR_RETURN(bias, Expand(*bias_t, x->shape(), axis, "B", where));
    }
    const int64_t rows = SizeFromTo(x->shape(), 0, axis);
    const int64_t block = SizeFromTo(x->shape(), axis, x->rank());
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), x->shape());
    Shape stat_shape = x->shape();
    for (int d = axis; d < x->rank(); ++d) stat_shape[d] = 1;
    Tensor* mean_out = ctx.output_wanted(1) ? ctx.AllocateOutput(1, stash_, stat_shape) : nullptr;
    Tensor* inv_out = ctx.output_wanted(2) ? ctx.AllocateOutput(2, stash_, stat_shape) : nullptr;
    return VisitType(
        x->dtype(), kFloatTypes,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (kIsFloat<T>) {
            using C = ComputeT<T>;
            const T* xd = x->data<T>();
            T* yd = y->data<T>();
            const std::vector<C> sc(scale.values.begin(), scale.values.end());
            const std::vector<C> bc(bias.values.begin(), bias.values.end());
            for (int64_t r = 0; r < rows; ++r) {
              const T* xr = xd + r * block;
              T* yr = yd + r * block;
              double mean, var;
              MeanAndVariance(xr, block, &mean, &var);
              const double inv = 1.0 / std::sqrt(var + epsilon_);
              const C cm = static_cast<C>(mean), ci = static_cast<C>(inv);
              const C* srow = scale.Row(sc, r, block);
              if (bias_t) {
                const C* brow = bias.Row(bc, r, block);
                for (int64_t i = 0; i < block; ++i) {
                  yr[i] = static_cast<T>((static_cast<C>(xr[i]) - cm) * ci * srow[i] + brow[i]);
                }
              } else {
                for (int64_t i = 0; i < block; ++i) {
                  yr[i] = static_cast<T>((static_cast<C>(xr[i]) - cm) * ci * srow[i]);
                }
              }
              if (mean_out) Store(mean_out, r, mean);
              if (inv_out) Store(inv_out, r, inv);
            }
          }
          return Status::Ok();
        },
        where);
  }

 private:
  static void Store(Tensor* t, int64_t i, double v) {
    switch (t->dtype()) {
      case DataType::kFloat64:
        t->data<double>()[i] = v;
        break;
      case DataType::kBFloat16:
        t->data<BFloat16>()[i] = BFloat16(static_cast<float>(v));
        break;
      case DataType::kFloat16:
        t->data<Float16>()[i] = Float16(static_cast<float>(v));
        break;
      default:
        t->data<float>()[i] = static_cast<float>(v);
        break;
    }
  }

  int64_t axis_;
  float epsilon_;
  DataType stash_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateLayerNormalization(const KernelInfo& info) {
  const int64_t stash = info.GetInt("stash_type", 1);
  if (stash != static_cast<int64_t>(DataType::kFloat32) &&
      stash != static_cast<int64_t>(DataType::kBFloat16) &&
      stash != static_cast<int64_t>(DataType::kFloat64) &&
      stash != static_cast<int64_t>(DataType::kFloat16)) {
    return InvalidArgument(info.NodeLabel() + ": stash_type " + std::to_string(stash) +
                           " is not a floating-point type");
  }
  return MakeKernel<LayerNormKernel>(info.GetInt("axis", -1), info.GetFloat("epsilon", 1e-5f),
                                     static_cast<DataType>(stash));
}

}  // namespace berth::nn
