// Range (opset 11): [start, start + delta, ...) up to (not including) limit, with
// max(ceil((limit - start) / delta), 0) elements. start, limit and delta are scalars of one numeric
// type.

#include <cmath>

#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

// Refuse outputs no machine could hold rather than failing the allocation.
constexpr int64_t kMaxElements = int64_t{1} << 40;

class RangeKernel : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    const std::string& where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* start_t, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* limit_t, ctx.RequireInput(1));
    ASSIGN_OR_RETURN(const Tensor* delta_t, ctx.RequireInput(2));
    for (const Tensor* t : {start_t, limit_t, delta_t}) {
      if (t->numel() != 1 || t->dtype() != start_t->dtype()) {
        return InvalidArgument(
            where + ": start, limit and delta must be scalars of one type, got " +
            start_t->Describe() + ", " + limit_t->Describe() + ", " + delta_t->Describe());
      }
    }
    return VisitOf<NumericTypes>(
        start_t->dtype(),
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          using C = ComputeT<T>;
          const C start = static_cast<C>(start_t->data<T>()[0]);
          const C limit = static_cast<C>(limit_t->data<T>()[0]);
          const C delta = static_cast<C>(delta_t->data<T>()[0]);
          if (delta == C(0)) return InvalidArgument(where + ": delta is 0");
          int64_t n = 0;
          if constexpr (std::is_integral_v<C>) {
            const __int128 diff = static_cast<__int128>(limit) - static_cast<__int128>(start);
            const __int128 d = delta;
            if ((diff > 0 && d > 0) || (diff < 0 && d < 0)) {
              const __int128 count = (diff + d - (d > 0 ? 1 : -1)) / d;
              if (count > kMaxElements)
                return InvalidArgument(where + ": the range has too many elements");
              n = static_cast<int64_t>(count);
            }
          } else {
            const double count =
                std::ceil((static_cast<double>(limit) - static_cast<double>(start)) /
                          static_cast<double>(delta));
            if (std::isnan(count) || count > static_cast<double>(kMaxElements)) {
              return InvalidArgument(where + ": the range from " +
                                     std::to_string(static_cast<double>(start)) + " to " +
                                     std::to_string(static_cast<double>(limit)) +
                                     " is not a finite element count");
            }
            n = count > 0 ? static_cast<int64_t>(count) : 0;
          }
          Tensor* out = ctx.AllocateOutput(0, start_t->dtype(), {n});
          T* o = out->data<T>();
          for (int64_t i = 0; i < n; ++i)
            o[i] = static_cast<T>(static_cast<C>(start + static_cast<C>(i) * delta));
          return Status::Ok();
        },
        where);
  }
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateRange(const KernelInfo& info) {
  return MakeKernel<RangeKernel>();
}

}  // namespace berth
