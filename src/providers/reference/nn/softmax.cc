// Softmax, LogSoftmax and Hardmax.
//
// Before opset 13 the input is coerced to 2-D at `axis` (default 1): the operator runs over all of
// axes [axis, rank) flattened together. From opset 13 it runs over the single axis `axis` (default
// -1). Both are handled as [outer, n, inner] with the operation along n.
// Hardmax marks the first maximum of each slice with 1.

#include <cmath>
#include <limits>
#include <vector>

#include "engine/dispatch.h"
#include "engine/shape_util.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {
namespace {

enum class SoftmaxKind { kSoftmax, kLogSoftmax, kHardmax };

// One slice of n elements at stride `inner`.
template <typename T, typename C>
void SoftmaxSlice(SoftmaxKind kind, const T* x, T* y, int64_t n, int64_t stride, C* scratch) {
  // n >= 1 here.
  C mx = static_cast<C>(x[0]);
  int64_t arg = 0;
  for (int64_t i = 0; i < n; ++i) {
    const C v = static_cast<C>(x[i * stride]);
    scratch[i] = v;
    if (v > mx) {
      mx = v;
      arg = i;
    }
  }
  if (kind == SoftmaxKind::kHardmax) {
    for (int64_t i = 0; i < n; ++i) y[i * stride] = static_cast<T>(i == arg ? C(1) : C(0));
    return;
  }
  C sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    scratch[i] = std::exp(scratch[i] - mx);
    sum += scratch[i];
  }
  if (kind == SoftmaxKind::kSoftmax) {
    const C inv = C(1) / sum;
    for (int64_t i = 0; i < n; ++i) y[i * stride] = static_cast<T>(scratch[i] * inv);
  } else {
    const C log_sum = std::log(sum);
    for (int64_t i = 0; i < n; ++i) {
      y[i * stride] = static_cast<T>(static_cast<C>(x[i * stride]) - mx - log_sum);
    }
  }
}

class SoftmaxKernel : public OpKernel {
 public:
  SoftmaxKernel(SoftmaxKind kind, int64_t axis, bool coerce_2d)
      : kind_(kind), axis_(axis), coerce_2d_(coerce_2d) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    const int rank = x->rank();
    ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_, rank, where));
    int64_t outer = SizeFromTo(x->shape(), 0, std::min(axis, rank));
    int64_t n, inner;
    if (rank == 0) {
      n = 1;
      inner = 1;
    } else if (coerce_2d_) {
      n = SizeFromTo(x->shape(), axis, rank);
      inner = 1;
    } else {
      n = x->dim(axis);
      inner = SizeFromTo(x->shape(), axis + 1, rank);
    }
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), x->shape());
    if (y->numel() == 0) return Status::Ok();
    return VisitType(
        x->dtype(), kFloatTypes,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (kIsFloat<T>) {
            using C = ComputeT<T>;
            std::vector<C> scratch(static_cast<size_t>(n));
            const T* xd = x->data<T>();
            T* yd = y->data<T>();
            for (int64_t o = 0; o < outer; ++o) {
              for (int64_t i = 0; i < inner; ++i) {
                const int64_t base = o * n * inner + i;
                SoftmaxSlice<T, C>(kind_, xd + base, yd + base, n, inner, scratch.data());
              }
            }
          }
          return Status::Ok();
        },
        where);
  }

 private:
  SoftmaxKind kind_;
  int64_t axis_;
  bool coerce_2d_;
};

StatusOr<std::unique_ptr<OpKernel>> Create(const KernelInfo& info, SoftmaxKind kind) {
  const bool coerce = info.opset() < 13;
  return MakeKernel<SoftmaxKernel>(kind, info.GetInt("axis", coerce ? 1 : -1), coerce);
}

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateSoftmax(const KernelInfo& info) {
  return Create(info, SoftmaxKind::kSoftmax);
}
StatusOr<std::unique_ptr<OpKernel>> CreateLogSoftmax(const KernelInfo& info) {
  return Create(info, SoftmaxKind::kLogSoftmax);
}
StatusOr<std::unique_ptr<OpKernel>> CreateHardmax(const KernelInfo& info) {
  return Create(info, SoftmaxKind::kHardmax);
}

}  // namespace berth::nn
