#pragma once
// The machinery every element-wise reference kernel shares: loading 16-bit floats as float, and a
// broadcast plan that turns numpy broadcasting of N inputs into an outer loop over contiguous runs.
//
// The plan collapses the broadcast into "runs": within a run every input either advances one
// element at a time or repeats one element. Same-shape operands and scalar operands become a single
// run over the whole tensor; a bias add ([N,C,H,W] + [C,1,1], or [B,S,H] + [H]) becomes N*C runs of
// H*W (or B*S runs of H). Only shapes that alternate broadcast and non-broadcast dimensions many
// times give short runs, and those are rare.
//
// Everything here is stateless; the functions are safe to call from several threads.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "berth/data_type.h"
#include "berth/status.h"
#include "berth/tensor.h"
#include "engine/dispatch.h"
#include "engine/kernel.h"

namespace berth::math {

// ---------------------------------------------------------------------------------------------
// Element types (the type lists and VisitOf come from engine/dispatch.h)

template <typename T>
constexpr bool kIsHalf = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;
template <typename T>
constexpr bool kIsFloat = std::is_floating_point_v<T> || kIsHalf<T>;

// The value an op functor sees for an element: float for the 16-bit floats, a const reference for
// everything else (so strings are not copied).
template <typename T>
inline decltype(auto) Load(const T& v) {
  if constexpr (kIsHalf<T>) {
    return static_cast<float>(v);
  } else {
    return (v);
  }
}

// Converts a floating-point value to an integer type without undefined behaviour: NaN gives 0 and
// out-of-range values saturate.
template <typename T, typename F>
inline T SaturatingCast(F v) {
  if constexpr (std::is_integral_v<T> && std::is_floating_point_v<F>) {
    if (std::isnan(v)) return T(0);
    if (v <= static_cast<F>(std::numeric_limits<T>::lowest()))
      return std::numeric_limits<T>::lowest();
    if (v >= static_cast<F>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(v);
  } else {
    return static_cast<T>(v);
  }
}

// Stores a functor result into an element of type T.
template <typename T, typename V>
inline T Store(V v) {
  if constexpr (std::is_same_v<T, bool>) {
    return static_cast<bool>(v);
  } else if constexpr (std::is_integral_v<T> && std::is_floating_point_v<V>) {
    return SaturatingCast<T>(v);
  } else {
    return static_cast<T>(v);
  }
}

// Wrapping integer arithmetic (two's complement), so that overflow is defined behaviour.
template <typename T>
inline T WrapAdd(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
}
template <typename T>
inline T WrapSub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
}
template <typename T>
inline T WrapMul(T a, T b) {
  using U = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;
  return static_cast<T>(static_cast<U>(static_cast<U>(a) * static_cast<U>(b)));
}

// ---------------------------------------------------------------------------------------------
// Broadcast plan

class BroadcastPlan {
 public:
  // Plans the numpy broadcast of `inputs` (at most kMaxInputs); the error names `where`.
  static constexpr size_t kMaxInputs = 4;
  static StatusOr<BroadcastPlan> Create(const std::vector<Shape>& inputs, const std::string& where);

  const Shape& out_shape() const { return out_shape_; }
  int64_t out_numel() const { return out_numel_; }
  // Elements per run.
  int64_t inner() const { return inner_; }
  // 1 if input k advances within a run, 0 if it repeats one element.
  int64_t step(size_t k) const { return step_[k]; }

  // Calls f(out_offset, in_offsets) for each run, in row-major order; in_offsets[k] is the flat
  // offset of input k's first element for the run.
  template <typename F>
  void ForEachRun(F&& f) const;

 private:
  Shape out_shape_;
  int64_t out_numel_ = 0;
  size_t num_inputs_ = 0;
  int64_t inner_ = 1;
  int64_t step_[kMaxInputs] = {};
  Shape outer_;                         // collapsed outer dimensions
  std::vector<int64_t> outer_strides_;  // [dim * num_inputs_ + k]
};

template <typename F>
void BroadcastPlan::ForEachRun(F&& f) const {
  if (out_numel_ == 0) return;
  int64_t offsets[kMaxInputs] = {};
  const size_t rank = outer_.size();
  if (rank == 0) {
    f(int64_t{0}, static_cast<const int64_t*>(offsets));
    return;
  }
  std::vector<int64_t> index(rank, 0);
  const int64_t runs = out_numel_ / inner_;
  const size_t n = num_inputs_;
  for (int64_t r = 0; r < runs; ++r) {
    f(r * inner_, static_cast<const int64_t*>(offsets));
    for (size_t d = rank; d-- > 0;) {
      const int64_t* strides = &outer_strides_[d * n];
      if (++index[d] < outer_[d]) {
        for (size_t k = 0; k < n; ++k) offsets[k] += strides[k];
        break;
      }
      for (size_t k = 0; k < n; ++k) offsets[k] -= strides[k] * (outer_[d] - 1);
      index[d] = 0;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Loops

// out[i] = f(x[i]) for n elements.
template <typename TIn, typename TOut, typename F>
void UnaryLoop(const TIn* x, TOut* out, int64_t n, const F& f) {
  for (int64_t i = 0; i < n; ++i) out[i] = Store<TOut>(f(Load(x[i])));
}

// out = f(a, b) with broadcasting as described by `plan` (built from a's and b's shapes).
// `out` may alias `a` when a has the output's shape (used for in-place accumulation).
template <typename TA, typename TB, typename TOut, typename F>
void BinaryLoop(const BroadcastPlan& plan, const TA* a, const TB* b, TOut* out, const F& f) {
  const int64_t n = plan.inner();
  const bool step_a = plan.step(0) != 0, step_b = plan.step(1) != 0;
  plan.ForEachRun([&](int64_t o, const int64_t* off) {
    const TA* pa = a + off[0];
    const TB* pb = b + off[1];
    TOut* po = out + o;
    if (step_a && step_b) {
      for (int64_t i = 0; i < n; ++i) po[i] = Store<TOut>(f(Load(pa[i]), Load(pb[i])));
    } else if (step_a) {
      const auto& vb = Load(*pb);
      for (int64_t i = 0; i < n; ++i) po[i] = Store<TOut>(f(Load(pa[i]), vb));
    } else if (step_b) {
      const auto& va = Load(*pa);
      for (int64_t i = 0; i < n; ++i) po[i] = Store<TOut>(f(va, Load(pb[i])));
    } else {
      const TOut v = Store<TOut>(f(Load(*pa), Load(*pb)));
      for (int64_t i = 0; i < n; ++i) po[i] = v;
    }
  });
}

// Plans and runs a binary broadcast op into a newly allocated output 0 of type TOut.
template <typename TA, typename TB, typename TOut, typename F>
Status RunBinary(KernelContext& ctx, const Tensor& a, const Tensor& b, const F& f) {
  ASSIGN_OR_RETURN(BroadcastPlan plan,
                   BroadcastPlan::Create({a.shape(), b.shape()}, ctx.NodeLabel()));
  Tensor* out = ctx.AllocateOutput(0, DataTypeOf<TOut>::value, plan.out_shape());
  BinaryLoop(plan, a.data<TA>(), b.data<TB>(), out->data<TOut>(), f);
  return Status::Ok();
}

// Error unless a and b have the same element type.
Status RequireSameType(const KernelContext& ctx, const Tensor& a, const Tensor& b);

// Error if an integer divisor tensor holds a zero (integer division by zero must not trap).
template <typename T>
Status RequireNonZeroDivisor(const KernelContext& ctx, const Tensor& divisor) {
  const T* d = divisor.data<T>();
  for (int64_t i = 0; i < divisor.numel(); ++i) {
    if (d[i] == T(0)) {
      return InvalidArgument(ctx.NodeLabel() + ": integer division by zero (divisor element " +
                             std::to_string(i) + " of input 1 is 0)");
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Kernels

// y = op(x) element-wise, for the element types in `Types`. The output has x's type, or OutT if
// given (e.g. bool for IsNaN). `Op` is a functor called with the loaded value (float for 16-bit
// floats).
template <typename Types, typename Op, typename OutT = void>
class UnaryKernel final : public OpKernel {
 public:
  explicit UnaryKernel(Op op = {}) : op_(op) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    return VisitOf<Types>(
        x->dtype(),
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          using TOut = std::conditional_t<std::is_void_v<OutT>, T, OutT>;
          Tensor* y = ctx.AllocateOutput(0, DataTypeOf<TOut>::value, x->shape());
          UnaryLoop(x->data<T>(), y->data<TOut>(), x->numel(), op_);
          return Status::Ok();
        },
        ctx.NodeLabel());
  }

 private:
  Op op_;
};

// Before opset 7 binary ops broadcast only when asked (attribute broadcast=1), and then B's
// dimensions line up with A's starting at `axis` (or at the end when axis is absent). From opset 7
// on, numpy broadcasting applies and these attributes are gone.
struct LegacyBroadcast {
  bool enabled = false;
  bool has_axis = false;
  int64_t axis = 0;

  static LegacyBroadcast FromNode(const KernelInfo& info);
  // B's shape padded with 1s so that numpy broadcasting gives the legacy alignment.
  StatusOr<Shape> AlignB(const Shape& a, const Shape& b, const std::string& where) const;
};

// z = op(a, b) with numpy broadcasting; a and b have the same type from `Types`; z has that type or
// bool when kBoolOut. An Op with a `kIntegerDivision` member gets its integer divisor checked for
// 0.
template <typename Types, typename Op, bool kBoolOut = false>
class BinaryKernel final : public OpKernel {
 public:
  explicit BinaryKernel(Op op = {}, LegacyBroadcast legacy = {}) : op_(op), legacy_(legacy) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* a, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* b, ctx.RequireInput(1));
    RETURN_IF_ERROR(RequireSameType(ctx, *a, *b));
    Tensor b_view = *b;
    if (legacy_.enabled) {
      ASSIGN_OR_RETURN(Shape aligned, legacy_.AlignB(a->shape(), b->shape(), ctx.NodeLabel()));
      b_view = b->Reshaped(std::move(aligned));
    }
    return VisitOf<Types>(
        a->dtype(),
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          using TOut = std::conditional_t<kBoolOut, bool, T>;
          if constexpr (requires { Op::kIntegerDivision; }) {
            if constexpr (std::is_integral_v<T>)
              RETURN_IF_ERROR(RequireNonZeroDivisor<T>(ctx, b_view));
          }
          return RunBinary<T, T, TOut>(ctx, *a, b_view, op_);
        },
        ctx.NodeLabel());
  }

 private:
  Op op_;
  LegacyBroadcast legacy_;
};

template <typename Types, typename Op, bool kBoolOut = false>
StatusOr<std::unique_ptr<OpKernel>> MakeBinaryKernel(const KernelInfo& info, Op op = {}) {
  return MakeKernel<BinaryKernel<Types, Op, kBoolOut>>(op, LegacyBroadcast::FromNode(info));
}

}  // namespace berth::math
