// Binary arithmetic with numpy broadcasting: Add, Sub, Mul, Div, Pow, Mod.
//
// Integer arithmetic wraps (two's complement) instead of overflowing into undefined behaviour.
// Integer division truncates toward zero like C; an integer divisor of 0 is an error, not a trap.

#include <cmath>
#include <string>

#include "providers/reference/math/elementwise.h"
#include "providers/reference/math/math_kernels.h"

namespace berth::math {

namespace {

struct AddOp {
  template <typename V>
  V operator()(V a, V b) const {
    if constexpr (std::is_integral_v<V>) {
      return WrapAdd(a, b);
    } else {
      return a + b;
    }
  }
};

struct SubOp {
  template <typename V>
  V operator()(V a, V b) const {
    if constexpr (std::is_integral_v<V>) {
      return WrapSub(a, b);
    } else {
      return a - b;
    }
  }
};

struct MulOp {
  template <typename V>
  V operator()(V a, V b) const {
    if constexpr (std::is_integral_v<V>) {
      return WrapMul(a, b);
    } else {
      return a * b;
    }
  }
};

struct DivOp {
  static constexpr bool kIntegerDivision = true;  // the kernel rejects integer divisors of 0
  template <typename V>
  V operator()(V a, V b) const {
    if constexpr (std::is_integral_v<V> && std::is_signed_v<V>) {
      if (b == V(-1)) return WrapSub(V(0), a);  // INT_MIN / -1 would trap
      return static_cast<V>(a / b);
    } else {
      return static_cast<V>(a / b);
    }
  }
};

// fmod = 0: the result takes the divisor's sign (Python / numpy.mod); fmod = 1: the dividend's
// (C fmod / %).
struct ModOp {
  static constexpr bool kIntegerDivision = true;
  bool fmod = false;
  template <typename V>
  V operator()(V a, V b) const {
    if constexpr (std::is_floating_point_v<V>) {
      V r = std::fmod(a, b);
      if (!fmod && r != V(0) && ((r < V(0)) != (b < V(0)))) r += b;
      return r;
    } else if constexpr (std::is_unsigned_v<V>) {
      return static_cast<V>(a % b);
    } else {
      if (b == V(-1)) return V(0);  // INT_MIN % -1 would trap
      V r = static_cast<V>(a % b);
      if (!fmod && r != 0 && ((r < 0) != (b < 0))) r = static_cast<V>(r + b);
      return r;
    }
  }
};

// Integer power by squaring (wrapping). Negative exponents give the truncated reciprocal: 1 for a
// base of 1, +-1 for -1, and 0 otherwise (including a base of 0, where numpy raises).
template <typename V, typename E>
V IntegerPow(V base, E exponent) {
  if constexpr (std::is_signed_v<E>) {
    if (exponent < 0) {
      if (base == V(1)) return V(1);
      if constexpr (std::is_signed_v<V>) {
        if (base == V(-1)) return (exponent % 2 == 0) ? V(1) : V(-1);
      }
      return V(0);
    }
  }
  uint64_t e = static_cast<uint64_t>(exponent);
  V result = V(1);
  V b = base;
  while (e != 0) {
    if (e & 1u) result = WrapMul(result, b);
    b = WrapMul(b, b);
    e >>= 1;
  }
  return result;
}

struct PowOp {
  template <typename VA, typename VB>
  auto operator()(VA x, VB y) const {
    if constexpr (std::is_integral_v<VA> && std::is_integral_v<VB>) {
      return IntegerPow(x, y);
    } else if constexpr (std::is_integral_v<VA>) {
      return std::pow(static_cast<double>(x), static_cast<double>(y));  // stored saturating
    } else {
      using C = std::conditional_t<std::is_same_v<VA, double> || std::is_same_v<VB, double>, double,
                                   float>;
      return std::pow(static_cast<C>(x), static_cast<C>(y));
    }
  }
};

// Pow's base (T) and exponent (T1) may have different types; the result has the base's type.
class PowKernel final : public OpKernel {
 public:
  explicit PowKernel(LegacyBroadcast legacy) : legacy_(legacy) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* y, ctx.RequireInput(1));
    Tensor y_view = *y;
    if (legacy_.enabled) {
      ASSIGN_OR_RETURN(Shape aligned, legacy_.AlignB(x->shape(), y->shape(), ctx.NodeLabel()));
      y_view = y->Reshaped(std::move(aligned));
    }
    using BaseTypes = Concat<FloatTypes, TypeList<int32_t, int64_t>>;
    return VisitOf<BaseTypes>(
        x->dtype(),
        [&](auto base_tag) -> Status {
          using TA = typename decltype(base_tag)::type;
          return VisitOf<NumericTypes>(
              y->dtype(),
              [&](auto exp_tag) -> Status {
                using TB = typename decltype(exp_tag)::type;
                return RunBinary<TA, TB, TA>(ctx, *x, y_view, PowOp{});
              },
              ctx.NodeLabel() + " exponent");
        },
        ctx.NodeLabel() + " base");
  }

 private:
  LegacyBroadcast legacy_;
};

}  // namespace

KernelOr CreateAdd(const KernelInfo& info) { return MakeBinaryKernel<NumericTypes>(info, AddOp{}); }
KernelOr CreateSub(const KernelInfo& info) { return MakeBinaryKernel<NumericTypes>(info, SubOp{}); }
KernelOr CreateMul(const KernelInfo& info) { return MakeBinaryKernel<NumericTypes>(info, MulOp{}); }
KernelOr CreateDiv(const KernelInfo& info) { return MakeBinaryKernel<NumericTypes>(info, DivOp{}); }

KernelOr CreatePow(const KernelInfo& info) {
  return MakeKernel<PowKernel>(LegacyBroadcast::FromNode(info));
}

KernelOr CreateMod(const KernelInfo& info) {
  ModOp op;
  const int64_t fmod = info.GetInt("fmod", 0);
  if (fmod != 0 && fmod != 1) {
    return InvalidArgument(info.NodeLabel() + ": attribute fmod must be 0 or 1, got " +
                           std::to_string(fmod));
  }
  op.fmod = fmod == 1;
  return MakeBinaryKernel<NumericTypes>(info, op);
}

}  // namespace berth::math
