// Logical and bitwise operators: Not, And, Or, Xor (bool), BitwiseNot/And/Or/Xor (integers) and
// BitShift (unsigned integers, numpy broadcasting).

#include <string>

#include "providers/reference/math/elementwise.h"
#include "providers/reference/math/math_kernels.h"

namespace berth::math {

namespace {

struct NotOp {
  bool operator()(bool x) const { return !x; }
};

struct AndOp {
  bool operator()(bool a, bool b) const { return a && b; }
};

struct OrOp {
  bool operator()(bool a, bool b) const { return a || b; }
};

struct XorOp {
  bool operator()(bool a, bool b) const { return a != b; }
};

struct BitwiseNotOp {
  template <typename V>
  V operator()(V x) const {
    return static_cast<V>(~x);
  }
};

struct BitwiseAndOp {
  template <typename V>
  V operator()(V a, V b) const {
    return static_cast<V>(a & b);
  }
};

struct BitwiseOrOp {
  template <typename V>
  V operator()(V a, V b) const {
    return static_cast<V>(a | b);
  }
};

struct BitwiseXorOp {
  template <typename V>
  V operator()(V a, V b) const {
    return static_cast<V>(a ^ b);
  }
};

// Shifting by the bit width or more gives 0 (in C++ it would be undefined).
struct BitShiftOp {
  bool left = true;
  template <typename V>
  V operator()(V x, V amount) const {
    constexpr V kBits = static_cast<V>(sizeof(V) * 8);
    if (amount >= kBits) return V(0);
    return left ? static_cast<V>(x << amount) : static_cast<V>(x >> amount);
  }
};

}  // namespace

KernelOr CreateNot(const KernelInfo&) { return MakeKernel<UnaryKernel<BoolTypes, NotOp>>(); }
KernelOr CreateAnd(const KernelInfo& info) { return MakeBinaryKernel<BoolTypes>(info, AndOp{}); }
KernelOr CreateOr(const KernelInfo& info) { return MakeBinaryKernel<BoolTypes>(info, OrOp{}); }
KernelOr CreateXor(const KernelInfo& info) { return MakeBinaryKernel<BoolTypes>(info, XorOp{}); }

KernelOr CreateBitwiseNot(const KernelInfo&) {
  return MakeKernel<UnaryKernel<IntTypes, BitwiseNotOp>>();
}
KernelOr CreateBitwiseAnd(const KernelInfo& info) {
  return MakeBinaryKernel<IntTypes>(info, BitwiseAndOp{});
}
KernelOr CreateBitwiseOr(const KernelInfo& info) {
  return MakeBinaryKernel<IntTypes>(info, BitwiseOrOp{});
}
KernelOr CreateBitwiseXor(const KernelInfo& info) {
  return MakeBinaryKernel<IntTypes>(info, BitwiseXorOp{});
}

KernelOr CreateBitShift(const KernelInfo& info) {
  BitShiftOp op;
  const std::string direction = info.GetString("direction", "");
  if (direction == "LEFT") {
    op.left = true;
  } else if (direction == "RIGHT") {
    op.left = false;
  } else {
    return InvalidArgument(info.NodeLabel() +
                           ": attribute direction must be 'LEFT' or 'RIGHT', got '" + direction +
                           "'");
  }
  return MakeBinaryKernel<UnsignedIntTypes>(info, op);
}

}  // namespace berth::math
