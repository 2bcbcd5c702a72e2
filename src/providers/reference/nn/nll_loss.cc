// NegativeLogLikelihoodLoss: loss[n, d...] = -input[n, target[n, d...], d...] * weight[target],
// with ignore_index and reduction none/sum/mean (mean divides by the total weight of counted
// targets). ONNX defines it as a context-dependent function; a native kernel keeps loading
// independent of static type inference.
#include "engine/dispatch.h"
#include "providers/reference/nn/nn_kernels.h"

namespace berth::nn {

namespace {

template <typename T>
constexpr bool kIsFloat =
    std::is_floating_point_v<T> || std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;

class NllLossKernel final : public OpKernel {
 public:
  NllLossKernel(std::string reduction, bool has_ignore, int64_t ignore_index)
      : reduction_(std::move(reduction)), has_ignore_(has_ignore), ignore_index_(ignore_index) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* input, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* target, ctx.RequireInput(1));
    const Tensor* weight = ctx.input(2);
    if (input->rank() < 2)
      return InvalidArgument(ctx.NodeLabel() + ": input must be [N, C, ...], got " +
                             input->Describe());
    if (target->rank() != input->rank() - 1 || target->dim(0) != input->dim(0)) {
      return InvalidArgument(ctx.NodeLabel() + ": target " + target->Describe() +
                             " does not match input " + input->Describe());
    }
    for (int d = 2; d < input->rank(); ++d) {
      if (target->dim(d - 1) != input->dim(d)) {
        return InvalidArgument(ctx.NodeLabel() + ": target " + target->Describe() +
                               " does not match input " + input->Describe());
      }
    }
    if (target->dtype() != DataType::kInt64 && target->dtype() != DataType::kInt32) {
      return InvalidArgument(ctx.NodeLabel() + ": target must be int32 or int64");
    }
    const int64_t n = input->dim(0), c = input->dim(1),
                  inner = input->numel() / std::max<int64_t>(n * c, 1);
    if (weight &&
        (weight->rank() != 1 || weight->dim(0) != c || weight->dtype() != input->dtype())) {
      return InvalidArgument(ctx.NodeLabel() + ": weight must be [" + std::to_string(c) +
                             "] of the input's type");
    }
    return VisitType(
        input->dtype(), kFloatTypes,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (!kIsFloat<T>) {
            return UnsupportedType(input->dtype(), ctx.NodeLabel());
          } else {
            const T* x = input->data<T>();
            const T* w = weight ? weight->data<T>() : nullptr;
            std::vector<double> loss(static_cast<size_t>(n * inner));
            double total = 0, total_weight = 0;
            for (int64_t b = 0; b < n; ++b) {
              for (int64_t i = 0; i < inner; ++i) {
                int64_t flat = b * inner + i;
                int64_t t = target->dtype() == DataType::kInt64 ? target->data<int64_t>()[flat]
                                                                : target->data<int32_t>()[flat];
                if (has_ignore_ && t == ignore_index_) continue;
                if (t < 0 || t >= c) {
                  return InvalidArgument(ctx.NodeLabel() + ": target value " + std::to_string(t) +
                                         " at index " + std::to_string(flat) + " is outside [0, " +
                                         std::to_string(c) + ")");
                }
                double wt = w ? static_cast<double>(static_cast<float>(w[t])) : 1.0;
                double v =
                    -static_cast<double>(static_cast<float>(x[(b * c + t) * inner + i])) * wt;
                loss[static_cast<size_t>(flat)] = v;
                total += v;
                total_weight += wt;
              }
            }
            if (reduction_ == "none") {
              Tensor* out = ctx.AllocateOutput(0, input->dtype(), target->shape());
              for (size_t k = 0; k < loss.size(); ++k)
                out->data<T>()[k] = T(static_cast<float>(loss[k]));
            } else {
              double r =
                  reduction_ == "sum" ? total : (total_weight == 0 ? 0.0 : total / total_weight);
              Tensor* out = ctx.AllocateOutput(0, input->dtype(), {});
              out->data<T>()[0] = T(static_cast<float>(r));
            }
            return Status::Ok();
          }
        },
        ctx.NodeLabel());
  }

 private:
  std::string reduction_;
  bool has_ignore_;
  int64_t ignore_index_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateNegativeLogLikelihoodLoss(const KernelInfo& info) {
  std::string reduction = info.GetString("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean") {
    return InvalidArgument(info.NodeLabel() + ": reduction must be none, sum or mean, got '" +
                           reduction + "'");
  }
  return MakeKernel<NllLossKernel>(reduction, info.HasAttribute("ignore_index"),
                                   info.GetInt("ignore_index", 0));
}

}  // namespace berth::nn
