// Activation functions: Relu, LeakyRelu, Elu, Selu, Celu, Sigmoid, HardSigmoid, HardSwish,
// Softplus, Softsign, Tanh, ThresholdedRelu, Shrink, Mish, Gelu (element-wise) and PRelu (broadcast
// slope).
//
// Attribute defaults follow the ONNX spec. Computation happens in the element's own precision
// (float for 16-bit floats); the exponential forms are written to avoid overflow for large |x|.

#include <cmath>
#include <string>

#include "providers/reference/math/elementwise.h"
#include "providers/reference/math/math_kernels.h"

namespace berth::math {

namespace {

struct ReluOp {
  template <typename V>
  V operator()(V x) const {
    return x < V(0) ? V(0) : x;  // NaN stays NaN, as in numpy
  }
};

struct LeakyReluOp {
  float alpha = 0.01f;
  template <typename V>
  V operator()(V x) const {
    return x < V(0) ? V(alpha) * x : x;
  }
};

struct EluOp {
  float alpha = 1.0f;
  template <typename V>
  V operator()(V x) const {
    return x < V(0) ? V(alpha) * std::expm1(x) : x;
  }
};

struct SeluOp {
  float alpha = 1.67326319217681884765625f;
  float gamma = 1.05070102214813232421875f;
  template <typename V>
  V operator()(V x) const {
    return V(gamma) * (x > V(0) ? x : V(alpha) * std::expm1(x));
  }
};

struct CeluOp {
  float alpha = 1.0f;
  template <typename V>
  V operator()(V x) const {
    return x > V(0) ? x : V(alpha) * std::expm1(x / V(alpha));
  }
};

struct SigmoidOp {
  template <typename V>
  V operator()(V x) const {
    if (x >= V(0)) return V(1) / (V(1) + std::exp(-x));
    const V e = std::exp(x);
    return e / (V(1) + e);
  }
};

struct HardSigmoidOp {
  float alpha = 0.2f;
  float beta = 0.5f;
  template <typename V>
  V operator()(V x) const {
    const V y = V(alpha) * x + V(beta);
    return y < V(0) ? V(0) : (y > V(1) ? V(1) : y);
  }
};

struct HardSwishOp {
  template <typename V>
  V operator()(V x) const {
    const V y = x / V(6) + V(0.5);
    return x * (y < V(0) ? V(0) : (y > V(1) ? V(1) : y));
  }
};

// log(1 + exp(x)) without overflow.
template <typename V>
V Softplus(V x) {
  return x > V(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

struct SoftplusOp {
  template <typename V>
  V operator()(V x) const {
    return Softplus(x);
  }
};

struct SoftsignOp {
  template <typename V>
  V operator()(V x) const {
    return x / (V(1) + std::fabs(x));
  }
};

struct TanhOp {
  template <typename V>
  V operator()(V x) const {
    return std::tanh(x);
  }
};

struct ThresholdedReluOp {
  float alpha = 1.0f;
  template <typename V>
  V operator()(V x) const {
    return x > V(alpha) ? x : V(0);
  }
};

// Shrink allows integer inputs: compare and shift in double, then store (saturating).
struct ShrinkOp {
  float lambd = 0.5f;
  float bias = 0.0f;
  template <typename V>
  auto operator()(V x) const {
    using C = std::conditional_t<std::is_same_v<V, float>, float, double>;
    const C v = static_cast<C>(x);
    if (v < -C(lambd)) return v + C(bias);
    if (v > C(lambd)) return v - C(bias);
    return C(0);
  }
};

struct MishOp {
  template <typename V>
  V operator()(V x) const {
    return x * std::tanh(Softplus(x));
  }
};

struct GeluOp {
  bool tanh_approximation = false;
  template <typename V>
  V operator()(V x) const {
    if (tanh_approximation) {
      const V k = V(0.7978845608028654);  // sqrt(2 / pi)
      return V(0.5) * x * (V(1) + std::tanh(k * (x + V(0.044715) * x * x * x)));
    }
    return V(0.5) * x * (V(1) + std::erf(x * V(0.7071067811865476)));  // x / sqrt(2)
  }
};

// slope * x for negative x; the slope broadcasts against x.
struct PReluOp {
  template <typename V>
  V operator()(V x, V slope) const {
    if constexpr (std::is_unsigned_v<V>) {
      return x;
    } else if constexpr (std::is_integral_v<V>) {
      return x < 0 ? WrapMul(slope, x) : x;
    } else {
      return x < V(0) ? slope * x : x;
    }
  }
};

// Before opset 7 a 1-D slope of C values applies per channel (axis 1), as in Caffe; from opset 7
// the slope broadcasts numpy-style against X.
class PReluKernel final : public OpKernel {
 public:
  explicit PReluKernel(bool channel_slope) : channel_slope_(channel_slope) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* slope, ctx.RequireInput(1));
    RETURN_IF_ERROR(RequireSameType(ctx, *x, *slope));
    Tensor slope_view = *slope;
    if (channel_slope_ && slope->rank() == 1 && slope->numel() != 1 && x->rank() >= 2) {
      Shape channel_shape(static_cast<size_t>(x->rank() - 1), 1);
      channel_shape[0] = slope->dim(0);
      slope_view = slope->Reshaped(std::move(channel_shape));
    }
    using Types = Concat<FloatTypes, TypeList<int32_t, int64_t, uint32_t, uint64_t>>;
    return VisitOf<Types>(
        x->dtype(),
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          return RunBinary<T, T, T>(ctx, *x, slope_view, PReluOp{});
        },
        ctx.NodeLabel());
  }

 private:
  bool channel_slope_;
};

template <typename Types, typename Op>
KernelOr MakeUnary(Op op = {}) {
  return MakeKernel<UnaryKernel<Types, Op>>(op);
}

}  // namespace

KernelOr CreateRelu(const KernelInfo&) { return MakeUnary<SignedTypes, ReluOp>(); }

KernelOr CreateLeakyRelu(const KernelInfo& info) {
  LeakyReluOp op;
  op.alpha = info.GetFloat("alpha", op.alpha);
  return MakeUnary<FloatTypes>(op);
}

KernelOr CreateElu(const KernelInfo& info) {
  EluOp op;
  op.alpha = info.GetFloat("alpha", op.alpha);
  return MakeUnary<FloatTypes>(op);
}

KernelOr CreateSelu(const KernelInfo& info) {
  SeluOp op;
  op.alpha = info.GetFloat("alpha", op.alpha);
  op.gamma = info.GetFloat("gamma", op.gamma);
  return MakeUnary<FloatTypes>(op);
}

KernelOr CreateCelu(const KernelInfo& info) {
  CeluOp op;
  op.alpha = info.GetFloat("alpha", op.alpha);
  if (op.alpha == 0.0f)
    return InvalidArgument(info.NodeLabel() + ": attribute alpha must not be 0");
  return MakeUnary<FloatTypes>(op);
}

KernelOr CreateSigmoid(const KernelInfo&) { return MakeUnary<FloatTypes, SigmoidOp>(); }

KernelOr CreateHardSigmoid(const KernelInfo& info) {
  HardSigmoidOp op;
  op.alpha = info.GetFloat("alpha", op.alpha);
  op.beta = info.GetFloat("beta", op.beta);
  return MakeUnary<FloatTypes>(op);
}

KernelOr CreateHardSwish(const KernelInfo&) { return MakeUnary<FloatTypes, HardSwishOp>(); }
KernelOr CreateSoftplus(const KernelInfo&) { return MakeUnary<FloatTypes, SoftplusOp>(); }
KernelOr CreateSoftsign(const KernelInfo&) { return MakeUnary<FloatTypes, SoftsignOp>(); }
KernelOr CreateTanh(const KernelInfo&) { return MakeUnary<FloatTypes, TanhOp>(); }

KernelOr CreateThresholdedRelu(const KernelInfo& info) {
  ThresholdedReluOp op;
  op.alpha = info.GetFloat("alpha", op.alpha);
  return MakeUnary<FloatTypes>(op);
}

KernelOr CreateShrink(const KernelInfo& info) {
  ShrinkOp op;
  op.lambd = info.GetFloat("lambd", op.lambd);
  op.bias = info.GetFloat("bias", op.bias);
  return MakeUnary<NumericTypes>(op);
}

KernelOr CreateMish(const KernelInfo&) { return MakeUnary<FloatTypes, MishOp>(); }

KernelOr CreateGelu(const KernelInfo& info) {
  GeluOp op;
  const std::string approximate = info.GetString("approximate", "none");
  if (approximate == "tanh") {
    op.tanh_approximation = true;
  } else if (approximate != "none") {
    return InvalidArgument(info.NodeLabel() +
                           ": attribute approximate must be 'none' or 'tanh', got '" + approximate +
                           "'");
  }
  return MakeUnary<FloatTypes>(op);
}

KernelOr CreatePRelu(const KernelInfo& info) { return MakeKernel<PReluKernel>(info.opset() < 7); }

}  // namespace berth::math
