// Element-wise unary math: Abs, Neg, Sqrt, Exp, Log, Reciprocal, Floor, Ceil, Round, Sign, Erf, the
// trigonometric and hyperbolic functions and their inverses, IsNaN and IsInf.
//
// 16-bit floats are computed in float; float and double in their own precision.

#include <cmath>

#include "providers/reference/math/elementwise.h"
#include "providers/reference/math/math_kernels.h"

namespace berth::math {

namespace {

struct AbsOp {
  template <typename V>
  V operator()(V x) const {
    if constexpr (std::is_floating_point_v<V>) {
      return std::fabs(x);
    } else if constexpr (std::is_unsigned_v<V>) {
      return x;
    } else {
      return x < 0 ? WrapSub(V(0), x) : x;
    }
  }
};

struct NegOp {
  template <typename V>
  V operator()(V x) const {
    if constexpr (std::is_integral_v<V>) {
      return WrapSub(V(0), x);
    } else {
      return -x;
    }
  }
};

struct SignOp {
  template <typename V>
  V operator()(V x) const {
    if constexpr (std::is_unsigned_v<V>) {
      return x > 0 ? V(1) : V(0);
    } else {
      return x > 0 ? V(1) : (x < 0 ? V(-1) : x);  // keeps 0, -0 and NaN as they are
    }
  }
};

struct ErfOp {
  template <typename V>
  auto operator()(V x) const {
    if constexpr (std::is_integral_v<V>) {
      return std::erf(static_cast<double>(x));
    } else {
      return std::erf(x);
    }
  }
};

// Functors for the functions that exist only on floating point (V is float or double).
#define BERTH_FLOAT_UNARY_OP(Name, expr) \
  struct Name {                          \
    template <typename V>                \
    V operator()(V x) const {            \
      return expr;                       \
    }                                    \
  };

BERTH_FLOAT_UNARY_OP(SqrtOp, std::sqrt(x))
BERTH_FLOAT_UNARY_OP(ExpOp, std::exp(x))
BERTH_FLOAT_UNARY_OP(LogOp, std::log(x))
BERTH_FLOAT_UNARY_OP(ReciprocalOp, V(1) / x)
BERTH_FLOAT_UNARY_OP(FloorOp, std::floor(x))
BERTH_FLOAT_UNARY_OP(CeilOp, std::ceil(x))
BERTH_FLOAT_UNARY_OP(RoundOp, std::nearbyint(x))  // default rounding mode: half to even
BERTH_FLOAT_UNARY_OP(SinOp, std::sin(x))
BERTH_FLOAT_UNARY_OP(CosOp, std::cos(x))
BERTH_FLOAT_UNARY_OP(TanOp, std::tan(x))
BERTH_FLOAT_UNARY_OP(AsinOp, std::asin(x))
BERTH_FLOAT_UNARY_OP(AcosOp, std::acos(x))
BERTH_FLOAT_UNARY_OP(AtanOp, std::atan(x))
BERTH_FLOAT_UNARY_OP(SinhOp, std::sinh(x))
BERTH_FLOAT_UNARY_OP(CoshOp, std::cosh(x))
BERTH_FLOAT_UNARY_OP(AsinhOp, std::asinh(x))
BERTH_FLOAT_UNARY_OP(AcoshOp, std::acosh(x))
BERTH_FLOAT_UNARY_OP(AtanhOp, std::atanh(x))

#undef BERTH_FLOAT_UNARY_OP

struct IsNaNOp {
  template <typename V>
  bool operator()(V x) const {
    return std::isnan(x);
  }
};

struct IsInfOp {
  bool detect_negative = true;
  bool detect_positive = true;
  template <typename V>
  bool operator()(V x) const {
    return std::isinf(x) && (x > 0 ? detect_positive : detect_negative);
  }
};

template <typename Types, typename Op, typename OutT = void>
KernelOr MakeUnary(Op op = {}) {
  return MakeKernel<UnaryKernel<Types, Op, OutT>>(op);
}

}  // namespace

KernelOr CreateAbs(const KernelInfo&) { return MakeUnary<NumericTypes, AbsOp>(); }
KernelOr CreateNeg(const KernelInfo&) { return MakeUnary<SignedTypes, NegOp>(); }
KernelOr CreateSqrt(const KernelInfo&) { return MakeUnary<FloatTypes, SqrtOp>(); }
KernelOr CreateExp(const KernelInfo&) { return MakeUnary<FloatTypes, ExpOp>(); }
KernelOr CreateLog(const KernelInfo&) { return MakeUnary<FloatTypes, LogOp>(); }
KernelOr CreateReciprocal(const KernelInfo&) { return MakeUnary<FloatTypes, ReciprocalOp>(); }
KernelOr CreateFloor(const KernelInfo&) { return MakeUnary<FloatTypes, FloorOp>(); }
KernelOr CreateCeil(const KernelInfo&) { return MakeUnary<FloatTypes, CeilOp>(); }
KernelOr CreateRound(const KernelInfo&) { return MakeUnary<FloatTypes, RoundOp>(); }
KernelOr CreateSign(const KernelInfo&) { return MakeUnary<NumericTypes, SignOp>(); }
KernelOr CreateErf(const KernelInfo&) { return MakeUnary<NumericTypes, ErfOp>(); }
KernelOr CreateSin(const KernelInfo&) { return MakeUnary<FloatTypes, SinOp>(); }
KernelOr CreateCos(const KernelInfo&) { return MakeUnary<FloatTypes, CosOp>(); }
KernelOr CreateTan(const KernelInfo&) { return MakeUnary<FloatTypes, TanOp>(); }
KernelOr CreateAsin(const KernelInfo&) { return MakeUnary<FloatTypes, AsinOp>(); }
KernelOr CreateAcos(const KernelInfo&) { return MakeUnary<FloatTypes, AcosOp>(); }
KernelOr CreateAtan(const KernelInfo&) { return MakeUnary<FloatTypes, AtanOp>(); }
KernelOr CreateSinh(const KernelInfo&) { return MakeUnary<FloatTypes, SinhOp>(); }
KernelOr CreateCosh(const KernelInfo&) { return MakeUnary<FloatTypes, CoshOp>(); }
KernelOr CreateAsinh(const KernelInfo&) { return MakeUnary<FloatTypes, AsinhOp>(); }
KernelOr CreateAcosh(const KernelInfo&) { return MakeUnary<FloatTypes, AcoshOp>(); }
KernelOr CreateAtanh(const KernelInfo&) { return MakeUnary<FloatTypes, AtanhOp>(); }
KernelOr CreateIsNaN(const KernelInfo&) { return MakeUnary<FloatTypes, IsNaNOp, bool>(); }

KernelOr CreateIsInf(const KernelInfo& info) {
  IsInfOp op;
  op.detect_negative = info.GetInt("detect_negative", 1) != 0;
  op.detect_positive = info.GetInt("detect_positive", 1) != 0;
  return MakeUnary<FloatTypes, IsInfOp, bool>(op);
}

}  // namespace berth::math
