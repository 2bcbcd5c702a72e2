// Reduce{Sum,Mean,Max,Min,Prod,L1,L2,LogSum,LogSumExp,SumSquare}.
//
// All ten share one walk over the input: the reduced and the kept axes are each merged into as few
// runs as possible, then for every output element the kernel visits the input offsets
// base[o] + red[r]. Empty reductions give the identity of the operation (0 for sums, 1 for
// products, -inf/lowest for Max, +inf/max for Min, -inf for LogSum/LogSumExp, NaN for a float
// Mean). With noop_with_empty_axes and no axes, nothing is reduced: each output element "reduces" a
// set of one, so Sum/Max/... copy the input while SumSquare squares it and L1 takes |x| (as the
// ONNX reference does).
//
// Accumulation: floats in double; integer sums and products in wrapping 64-bit arithmetic, which
// after narrowing equals the wrap-around of the element type; L2/LogSum/LogSumExp of integers go
// through double.

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "engine/dispatch.h"
#include "engine/shape_util.h"
#include "providers/reference/reduction/reduction_kernels.h"
#include "providers/reference/reduction/reduction_util.h"

namespace berth {
namespace {

using reduction::FromDouble;
using reduction::ReadIntValues;

enum class ReduceOp { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kLogSum, kLogSumExp, kSumSquare };

// For output element o, the reduced input elements are at base[o] + red[r].
struct ReducePlan {
  Shape out_shape;
  std::vector<int64_t> base;
  std::vector<int64_t> red;
  bool red_contiguous = false;  // red[r] == r: the common "reduce the innermost axes" case
};

// Offsets of every multi-index over `sizes` (row-major order) given per-dimension strides.
std::vector<int64_t> EnumerateOffsets(const std::vector<int64_t>& sizes,
                                      const std::vector<int64_t>& strides) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<int64_t> offsets(static_cast<size_t>(n));
  std::vector<int64_t> index(sizes.size(), 0);
  int64_t offset = 0;
  for (int64_t i = 0; i < n; ++i) {
    offsets[i] = offset;
    for (int d = static_cast<int>(sizes.size()) - 1; d >= 0; --d) {
      if (++index[d] < sizes[d]) {
        offset += strides[d];
        break;
      }
      offset -= strides[d] * (sizes[d] - 1);
      index[d] = 0;
    }
  }
  return offsets;
}

ReducePlan MakePlan(const Shape& in_shape, const std::vector<bool>& reduced, bool keepdims) {
  ReducePlan plan;
  const std::vector<int64_t> strides = StridesOf(in_shape);
  // Runs of consecutive axes of the same kind (size-1 axes are skipped: they change nothing).
  // Within a run the row-major strides chain, so a run is one axis of size = product.
  std::vector<int64_t> kept_sizes, kept_strides, red_sizes, red_strides;
  int last_kind = -1;  // 0 kept, 1 reduced
  for (size_t d = 0; d < in_shape.size(); ++d) {
    const int64_t size = in_shape[d];
    if (reduced[d]) {
      if (keepdims) plan.out_shape.push_back(1);
    } else {
      plan.out_shape.push_back(size);
    }
    if (size == 1) continue;
    const int kind = reduced[d] ? 1 : 0;
    auto& sizes = kind ? red_sizes : kept_sizes;
    auto& strides_out = kind ? red_strides : kept_strides;
    if (kind == last_kind) {
      sizes.back() *= size;
      strides_out.back() = strides[d];
    } else {
      sizes.push_back(size);
      strides_out.push_back(strides[d]);
    }
    last_kind = kind;
  }
  plan.base = EnumerateOffsets(kept_sizes, kept_strides);
  plan.red = EnumerateOffsets(red_sizes, red_strides);
  plan.red_contiguous = red_strides.empty() || (red_strides.size() == 1 && red_strides[0] == 1);
  return plan;
}

template <typename T, typename Acc, typename Step, typename Finish>
void ReduceLoop(const T* in, T* out, const ReducePlan& plan, Acc init, Step step, Finish finish) {
  const int64_t n_out = static_cast<int64_t>(plan.base.size());
  const int64_t n_red = static_cast<int64_t>(plan.red.size());
  const int64_t* red = plan.red.data();
  for (int64_t o = 0; o < n_out; ++o) {
    const T* p = in + plan.base[o];
    Acc acc = init;
    if (plan.red_contiguous) {
      for (int64_t r = 0; r < n_red; ++r) acc = step(acc, p[r]);
    } else {
      for (int64_t r = 0; r < n_red; ++r) acc = step(acc, p[red[r]]);
    }
    out[o] = finish(acc);
  }
}

template <typename T>
void ReduceTyped(ReduceOp op, const Tensor& x, Tensor* y, const ReducePlan& plan) {
  using C = ComputeT<T>;
  constexpr bool kFloat = std::is_floating_point_v<C>;
  // Sums and products: double for floats, wrapping uint64 for integers.
  using S = std::conditional_t<kFloat, double, uint64_t>;
  const T* in = x.data<T>();
  T* out = y->data<T>();
  const int64_t n_red = static_cast<int64_t>(plan.red.size());

  auto to_s = [](T v) -> S {
    if constexpr (kFloat) {
      return static_cast<double>(static_cast<C>(v));
    } else {
      return static_cast<uint64_t>(v);  // sign-extends negative values: arithmetic mod 2^64
    }
  };
  auto from_s = [](S v) -> T {
    if constexpr (kFloat) {
      return FromDouble<T>(v);
    } else {
      return static_cast<T>(v);  // modular narrowing (well defined since C++20)
    }
  };
  auto to_d = [](T v) -> double { return static_cast<double>(static_cast<C>(v)); };

  switch (op) {
    case ReduceOp::kSum:
      ReduceLoop(
          in, out, plan, S(0), [&](S a, T v) { return a + to_s(v); }, from_s);
      break;
    case ReduceOp::kSumSquare:
      ReduceLoop(
          in, out, plan, S(0),
          [&](S a, T v) {
            S s = to_s(v);
            return a + s * s;
          },
          from_s);
      break;
    case ReduceOp::kProd:
      ReduceLoop(
          in, out, plan, S(1), [&](S a, T v) { return a * to_s(v); }, from_s);
      break;
    case ReduceOp::kL1:
      ReduceLoop(
          in, out, plan, S(0),
          [&](S a, T v) {
            if constexpr (kFloat) {
              return a + std::fabs(to_s(v));
            } else if constexpr (std::is_signed_v<T>) {
              return a + (v < 0 ? S(0) - to_s(v) : to_s(v));
            } else {
              return a + to_s(v);
            }
          },
          from_s);
      break;
    case ReduceOp::kMean:
      if constexpr (kFloat) {
        ReduceLoop(
            in, out, plan, 0.0, [&](double a, T v) { return a + to_d(v); },
            [&](double a) { return FromDouble<T>(a / static_cast<double>(n_red)); });
      } else {
        // Integer mean: exact sum, then division truncating toward zero (like numpy's
        // mean followed by a cast back to the integer type).
        ReduceLoop(
            in, out, plan, S(0), [&](S a, T v) { return a + to_s(v); },
            [&](S a) -> T {
              if (n_red == 0) return T(0);
              if constexpr (std::is_signed_v<T>) {
                return static_cast<T>(static_cast<int64_t>(a) / n_red);
              } else {
                return static_cast<T>(a / static_cast<uint64_t>(n_red));
              }
            });
      }
      break;
    case ReduceOp::kL2:
      ReduceLoop(
          in, out, plan, 0.0,
          [&](double a, T v) {
            double d = to_d(v);
            return a + d * d;
          },
          [](double a) { return FromDouble<T>(std::sqrt(a)); });
      break;
    case ReduceOp::kLogSum:
      ReduceLoop(
          in, out, plan, 0.0, [&](double a, T v) { return a + to_d(v); },
          [](double a) { return FromDouble<T>(std::log(a)); });
      break;
    case ReduceOp::kMax:
    case ReduceOp::kMin: {
      const bool is_max = op == ReduceOp::kMax;
      C init;
      if constexpr (kFloat) {
        init = is_max ? -std::numeric_limits<C>::infinity() : std::numeric_limits<C>::infinity();
      } else {
        init = is_max ? std::numeric_limits<C>::lowest() : std::numeric_limits<C>::max();
      }
      auto finish = [](C a) { return static_cast<T>(a); };
      if (is_max) {
        ReduceLoop(
            in, out, plan, init,
            [](C a, T tv) {
              C v = static_cast<C>(tv);
              if constexpr (kFloat) {
                return (v > a || std::isnan(v)) && !std::isnan(a) ? v : a;  // NaN propagates
              } else {
                return v > a ? v : a;
              }
            },
            finish);
      } else {
        ReduceLoop(
            in, out, plan, init,
            [](C a, T tv) {
              C v = static_cast<C>(tv);
              if constexpr (kFloat) {
                return (v < a || std::isnan(v)) && !std::isnan(a) ? v : a;
              } else {
                return v < a ? v : a;
              }
            },
            finish);
      }
      break;
    }
    case ReduceOp::kLogSumExp: {
      // Shifted by the maximum so that large inputs do not overflow exp().
      const int64_t n_out = static_cast<int64_t>(plan.base.size());
      const int64_t* red = plan.red.data();
      for (int64_t o = 0; o < n_out; ++o) {
        const T* p = in + plan.base[o];
        double mx = -std::numeric_limits<double>::infinity();
        bool has_nan = false;
        for (int64_t r = 0; r < n_red; ++r) {
          double v = to_d(p[red[r]]);
          if (std::isnan(v)) has_nan = true;
          mx = std::max(mx, v);
        }
        double result;
        if (has_nan) {
          result = std::numeric_limits<double>::quiet_NaN();
        } else if (std::isinf(mx)) {
          result = mx;  // empty or all -inf gives -inf; any +inf gives +inf
        } else {
          double sum = 0;
          for (int64_t r = 0; r < n_red; ++r) sum += std::exp(to_d(p[red[r]]) - mx);
          result = mx + std::log(sum);
        }
        out[o] = FromDouble<T>(result);
      }
      break;
    }
  }
}

class ReduceKernel final : public OpKernel {
 public:
  ReduceKernel(ReduceOp op, bool keepdims, bool noop_with_empty_axes, std::vector<int64_t> axes)
      : op_(op),
        keepdims_(keepdims),
        noop_with_empty_axes_(noop_with_empty_axes),
        attr_axes_(std::move(axes)) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    const int rank = x->rank();
    std::vector<int64_t> axes = attr_axes_;
    if (const Tensor* axes_input = ctx.input(1)) {
      if (axes_input->rank() > 1) {
        return InvalidArgument(ctx.NodeLabel() + ": input 'axes' must be 1-D, got " +
                               axes_input->Describe());
      }
      ASSIGN_OR_RETURN(axes, ReadIntValues(*axes_input, "axes", ctx.NodeLabel()));
    }
    std::vector<bool> reduced(static_cast<size_t>(rank), false);
    if (axes.empty()) {
      if (!noop_with_empty_axes_) std::fill(reduced.begin(), reduced.end(), true);
    } else {
      for (int64_t a : axes) {
        if (a < -rank || a >= rank) {
          return InvalidArgument(ctx.NodeLabel() + ": axis " + std::to_string(a) +
                                 " is out of range for input of rank " + std::to_string(rank));
        }
        const size_t d = static_cast<size_t>(a < 0 ? a + rank : a);
        if (reduced[d]) {
          return InvalidArgument(ctx.NodeLabel() + ": axis " + std::to_string(a) +
                                 " is listed more than once in 'axes'");
        }
        reduced[d] = true;
      }
    }
    const ReducePlan plan = MakePlan(x->shape(), reduced, keepdims_);
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), plan.out_shape);
    return VisitType(
        x->dtype(), kAllNumeric,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (!reduction::kIsNumeric<T>) {
            return Internal(ctx.NodeLabel() + ": unexpected element type");
          } else {
            ReduceTyped<T>(op_, *x, y, plan);
            return Status::Ok();
          }
        },
        ctx.NodeLabel());
  }

 private:
  ReduceOp op_;
  bool keepdims_;
  bool noop_with_empty_axes_;
  std::vector<int64_t> attr_axes_;
};

StatusOr<std::unique_ptr<OpKernel>> CreateReduce(const KernelInfo& info, ReduceOp op) {
  return MakeKernel<ReduceKernel>(op, info.GetInt("keepdims", 1) != 0,
                                  info.GetInt("noop_with_empty_axes", 0) != 0,
                                  info.GetInts("axes"));
}

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateReduceSum(const KernelInfo& info) {
  return CreateReduce(info, ReduceOp::kSum);
}
StatusOr<std::unique_ptr<OpKernel>> CreateReduceMean(const KernelInfo& info) {
  return CreateReduce(info, ReduceOp::kMean);
}
StatusOr<std::unique_ptr<OpKernel>> CreateReduceMax(const KernelInfo& info) {
  return CreateReduce(info, ReduceOp::kMax);
}
StatusOr<std::unique_ptr<OpKernel>> CreateReduceMin(const KernelInfo& info) {
  return CreateReduce(info, ReduceOp::kMin);
}
StatusOr<std::unique_ptr<OpKernel>> CreateReduceProd(const KernelInfo& info) {
  return CreateReduce(info, ReduceOp::kProd);
}
StatusOr<std::unique_ptr<OpKernel>> CreateReduceL1(const KernelInfo& info) {
  return CreateReduce(info, ReduceOp::kL1);
}
StatusOr<std::unique_ptr<OpKernel>> CreateReduceL2(const KernelInfo& info) {
  return CreateReduce(info, ReduceOp::kL2);
}
StatusOr<std::unique_ptr<OpKernel>> CreateReduceLogSum(const KernelInfo& info) {
  return CreateReduce(info, ReduceOp::kLogSum);
}
StatusOr<std::unique_ptr<OpKernel>> CreateReduceLogSumExp(const KernelInfo& info) {
  return CreateReduce(info, ReduceOp::kLogSumExp);
}
StatusOr<std::unique_ptr<OpKernel>> CreateReduceSumSquare(const KernelInfo& info) {
  return CreateReduce(info, ReduceOp::kSumSquare);
}

}  // namespace berth
