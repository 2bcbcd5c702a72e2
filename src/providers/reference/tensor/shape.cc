// Shape: the input's dimensions as a 1-D int64 tensor; opset 15's start/end select a range of them
// (negative counts from the end, both clamped to [0, rank]).

#include <algorithm>

#include "providers/reference/tensor/tensor_kernels.h"

namespace berth {
namespace {

class ShapeKernel : public OpKernel {
 public:
  ShapeKernel(int64_t start, bool has_end, int64_t end)
      : start_(start), has_end_(has_end), end_(end) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    const int64_t rank = x->rank();
    auto clamp = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
    const int64_t start = clamp(start_);
    const int64_t end = has_end_ ? clamp(end_) : rank;
    const int64_t n = std::max<int64_t>(0, end - start);
    Tensor* out = ctx.AllocateOutput(0, DataType::kInt64, {n});
    for (int64_t i = 0; i < n; ++i) out->data<int64_t>()[i] = x->dim(static_cast<int>(start + i));
    return Status::Ok();
  }

 private:
  int64_t start_;
  bool has_end_;
  int64_t end_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateShape(const KernelInfo& info) {
  return MakeKernel<ShapeKernel>(info.GetInt("start", 0), info.HasAttribute("end"),
                                 info.GetInt("end", 0));
}

}  // namespace berth
