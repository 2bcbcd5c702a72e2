// Comparisons with numpy broadcasting and a bool output: Equal, Less, LessOrEqual, Greater,
// GreaterOrEqual. Both inputs must have the same type; any comparison with NaN is false.

#include "providers/reference/math/elementwise.h"
#include "providers/reference/math/math_kernels.h"

namespace berth::math {

namespace {

struct EqualOp {
  template <typename V>
  bool operator()(const V& a, const V& b) const {
    return a == b;
  }
};

struct LessOp {
  template <typename V>
  bool operator()(V a, V b) const {
    return a < b;
  }
};

struct LessOrEqualOp {
  template <typename V>
  bool operator()(V a, V b) const {
    return a <= b;
  }
};

struct GreaterOp {
  template <typename V>
  bool operator()(V a, V b) const {
    return a > b;
  }
};

struct GreaterOrEqualOp {
  template <typename V>
  bool operator()(V a, V b) const {
    return a >= b;
  }
};

}  // namespace

KernelOr CreateEqual(const KernelInfo& info) {
  using Types = Concat<NumericTypes, BoolTypes, StringTypes>;
  return MakeBinaryKernel<Types, EqualOp, true>(info);
}

KernelOr CreateLess(const KernelInfo& info) {
  return MakeBinaryKernel<NumericTypes, LessOp, true>(info);
}

KernelOr CreateLessOrEqual(const KernelInfo& info) {
  return MakeBinaryKernel<NumericTypes, LessOrEqualOp, true>(info);
}

KernelOr CreateGreater(const KernelInfo& info) {
  return MakeBinaryKernel<NumericTypes, GreaterOp, true>(info);
}

KernelOr CreateGreaterOrEqual(const KernelInfo& info) {
  return MakeBinaryKernel<NumericTypes, GreaterOrEqualOp, true>(info);
}

}  // namespace berth::math
