// TopK: the k largest (or smallest, opset 11+) elements along `axis` and their int64 indices.
// k is an attribute before opset 10 and a 1-element int64 input from opset 10 on (either form is
// accepted). Equal values are ordered by lower index first. The output is always sorted, which
// satisfies sorted=0 too (the order is unspecified there). NaN sorts as larger than any number.

#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>

#include "engine/dispatch.h"
#include "engine/shape_util.h"
#include "providers/reference/reduction/reduction_kernels.h"
#include "providers/reference/reduction/reduction_util.h"

namespace berth {
namespace {

class TopKKernel final : public OpKernel {
 public:
  TopKKernel(int64_t attr_k, int64_t axis, bool largest)
      : attr_k_(attr_k), axis_(axis), largest_(largest) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    if (x->rank() == 0) {
      return InvalidArgument(ctx.NodeLabel() + ": input must have rank >= 1, got a scalar");
    }
    int64_t k = attr_k_;
    if (const Tensor* k_input = ctx.input(1)) {
      ASSIGN_OR_RETURN(std::vector<int64_t> ks,
                       reduction::ReadIntValues(*k_input, "K", ctx.NodeLabel()));
      if (ks.size() != 1 || k_input->rank() > 1) {
        return InvalidArgument(ctx.NodeLabel() + ": input 'K' must hold a single value, got " +
                               k_input->Describe());
      }
      k = ks[0];
    } else if (k < 0) {
      return InvalidArgument(ctx.NodeLabel() + ": input 'K' is missing");
    }
    ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_, x->rank(), ctx.NodeLabel()));
    const int64_t n = x->dim(axis);
    if (k < 0 || k > n) {
      return InvalidArgument(ctx.NodeLabel() + ": k = " + std::to_string(k) + " must be in [0, " +
                             std::to_string(n) + "] (the size of axis " + std::to_string(axis) +
                             " of input " + x->Describe() + ")");
    }
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= x->dim(d);
    for (int d = axis + 1; d < x->rank(); ++d) inner *= x->dim(d);
    Shape out_shape = x->shape();
    out_shape[static_cast<size_t>(axis)] = k;
    Tensor* values = ctx.output_wanted(0) ? ctx.AllocateOutput(0, x->dtype(), out_shape) : nullptr;
    Tensor* indices =
        ctx.output_wanted(1) ? ctx.AllocateOutput(1, DataType::kInt64, out_shape) : nullptr;

    return VisitType(
        x->dtype(), kAllNumeric,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (!reduction::kIsNumeric<T>) {
            return Internal(ctx.NodeLabel() + ": unexpected element type");
          } else {
            using C = ComputeT<T>;
            const T* in = x->data<T>();
            T* out_values = values ? values->data<T>() : nullptr;
            int64_t* out_indices = indices ? indices->data<int64_t>() : nullptr;
            std::vector<C> slice(static_cast<size_t>(n));
            std::vector<int64_t> order(static_cast<size_t>(n));
            // Strict weak order: "a comes before b" (NaN largest), ties by lower index.
            auto precedes = [&](int64_t a, int64_t b) {
              C va = slice[a], vb = slice[b];
              if constexpr (std::is_floating_point_v<C>) {
                const bool na = std::isnan(va), nb = std::isnan(vb);
                if (na || nb) {
                  if (na && nb) return a < b;
                  return largest_ ? na : nb;
                }
              }
              if (va != vb) return largest_ ? va > vb : va < vb;
              return a < b;
            };
            for (int64_t o = 0; o < outer; ++o) {
              for (int64_t i = 0; i < inner; ++i) {
                const T* p = in + o * n * inner + i;
                for (int64_t j = 0; j < n; ++j) slice[j] = static_cast<C>(p[j * inner]);
                std::iota(order.begin(), order.end(), int64_t{0});
                std::partial_sort(order.begin(), order.begin() + k, order.end(), precedes);
                const int64_t base = o * k * inner + i;
                for (int64_t j = 0; j < k; ++j) {
                  if (out_values) out_values[base + j * inner] = p[order[j] * inner];
                  if (out_indices) out_indices[base + j * inner] = order[j];
                }
              }
            }
            return Status::Ok();
          }
        },
        ctx.NodeLabel());
  }

 private:
  int64_t attr_k_;  // -1 when k comes from the input
  int64_t axis_;
  bool largest_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateTopK(const KernelInfo& info) {
  int64_t k = -1;
  if (info.opset() < 10) {
    ASSIGN_OR_RETURN(k, info.RequireInt("k"));
    if (k < 0) {
      return InvalidArgument(info.NodeLabel() + ": attribute 'k' must be >= 0, got " +
                             std::to_string(k));
    }
  }
  return MakeKernel<TopKKernel>(k, info.GetInt("axis", -1), info.GetInt("largest", 1) != 0);
}

}  // namespace berth
