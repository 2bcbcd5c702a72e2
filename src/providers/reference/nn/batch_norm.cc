// BatchNormalization (opsets 6-15): per-channel affine normalisation of X [N, C, D1, ...].
//
// Inference: Y = (X - mean) / sqrt(var + epsilon) * scale + B.
// Training (training_mode=1 from opset 14; before 14 whenever the optional statistics outputs are
// used, unless opset 6's is_test=1): Y uses the batch mean and (biased) variance over N and the
// spatial axes, and the running statistics are updated as input * momentum + batch * (1 -
// momentum). Outputs: opset 14+ Y, running_mean, running_var; opsets 6-13 Y, mean, var, saved_mean,
// saved_var. Opsets 6-8's spatial=0 gives the parameters shape [C, D1, ...] (one per feature, not
// per channel). Opset 15 allows scale/B and mean/var to have element types different from X.

#include <cmath>
#include <vector>

#include "engine/dispatch.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {
namespace {

class BatchNormKernel : public OpKernel {
 public:
  // training_mode: always use batch statistics (opset 14+ attribute). stats_imply_training: use
  // them when an optional statistics output is consumed (before opset 14, unless is_test=1).
  BatchNormKernel(int opset, float epsilon, float momentum, bool spatial, bool training_mode,
                  bool stats_imply_training)
      : opset_(opset),
        epsilon_(epsilon),
        momentum_(momentum),
        spatial_(spatial),
        training_mode_(training_mode),
        stats_imply_training_(stats_imply_training) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    const Tensor* params[4];
    const char* names[4] = {"scale", "B", "input_mean", "input_var"};
    for (int i = 0; i < 4; ++i) {
      ASSIGN_OR_RETURN(params[i], ctx.RequireInput(i + 1));
    }
    if (x->rank() < 1) {
      return InvalidArgument(where + ": input 0 ('X') must have shape [N, C, ...], got a scalar");
    }
    if (!IsFloatingPoint(x->dtype())) {
      return InvalidArgument(where + ": X must be a floating-point tensor, got " + x->Describe());
    }
    // Features per sample the parameters index: C (spatial) or C*D1*...*Dn (spatial=0).
    const int64_t batch = x->dim(0);
    const int64_t channels = x->rank() > 1 ? x->dim(1) : 1;
    const int64_t inner = SizeFromTo(x->shape(), 2, x->rank());
    const int64_t features = spatial_ ? channels : channels * inner;
    const int64_t per_feature = spatial_ ? inner : 1;  // contiguous run sharing one feature
    for (int i = 0; i < 4; ++i) {
      if (!IsFloatingPoint(params[i]->dtype()) || params[i]->numel() != features) {
        return InvalidArgument(where + ": input " + std::to_string(i + 1) + " ('" + names[i] +
                               "') must be a floating-point tensor of " + std::to_string(features) +
                               " elements, got " + params[i]->Describe());
      }
    }
    const bool training =
        training_mode_ || (stats_imply_training_ && (ctx.output_wanted(1) || ctx.output_wanted(2) ||
                                                     ctx.output_wanted(3) || ctx.output_wanted(4)));
    std::vector<double> scale = ToDoubles(*params[0]);
    std::vector<double> bias = ToDoubles(*params[1]);
    std::vector<double> mean = ToDoubles(*params[2]);
    std::vector<double> var = ToDoubles(*params[3]);
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), x->shape());

    return VisitType(
        x->dtype(), kFloatTypes,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (kIsFloat<T>) {
            using C = ComputeT<T>;
            const T* xd = x->data<T>();
            T* yd = y->data<T>();
            std::vector<double> batch_mean, batch_var;
            if (training) {
              batch_mean.assign(static_cast<size_t>(features), 0.0);
              batch_var.assign(static_cast<size_t>(features), 0.0);
              const double count = static_cast<double>(batch * per_feature);
              for (int64_t n = 0; n < batch; ++n) {
                for (int64_t f = 0; f < features; ++f) {
                  const T* xp = xd + (n * features + f) * per_feature;
                  double s = 0;
                  for (int64_t i = 0; i < per_feature; ++i)
                    s += static_cast<double>(static_cast<C>(xp[i]));
                  batch_mean[f] += s;
                }
              }
              for (double& m : batch_mean) m = count > 0 ? m / count : 0.0;
              for (int64_t n = 0; n < batch; ++n) {
                for (int64_t f = 0; f < features; ++f) {
                  const T* xp = xd + (n * features + f) * per_feature;
                  double s = 0;
                  for (int64_t i = 0; i < per_feature; ++i) {
                    const double d = static_cast<double>(static_cast<C>(xp[i])) - batch_mean[f];
                    s += d * d;
                  }
                  batch_var[f] += s;
                }
              }
              for (double& v : batch_var) v = count > 0 ? v / count : 0.0;
            }
            const std::vector<double>& m = training ? batch_mean : mean;
            const std::vector<double>& v = training ? batch_var : var;
            for (int64_t n = 0; n < batch; ++n) {
              for (int64_t f = 0; f < features; ++f) {
                const double a = scale[f] / std::sqrt(v[f] + epsilon_);
                const C ca = static_cast<C>(a);
                const C cb = static_cast<C>(bias[f] - m[f] * a);
                const int64_t base = (n * features + f) * per_feature;
                for (int64_t i = 0; i < per_feature; ++i) {
                  yd[base + i] = static_cast<T>(static_cast<C>(xd[base + i]) * ca + cb);
                }
              }
            }
            if (training)
              WriteStatistics(ctx, *params[2], *params[3], mean, var, batch_mean, batch_var);
          }
          return Status::Ok();
        },
        where);
  }

 private:
  void WriteStatistics(KernelContext& ctx, const Tensor& mean_in, const Tensor& var_in,
                       const std::vector<double>& mean, const std::vector<double>& var,
                       const std::vector<double>& batch_mean,
                       const std::vector<double>& batch_var) const {
    const double mom = momentum_;
    auto write = [&](int index, const Tensor& like, const std::vector<double>& values) {
      if (!ctx.output_wanted(index)) return;
      Tensor* out = ctx.AllocateOutput(index, like.dtype(), like.shape());
      Status s = VisitType(
          like.dtype(), kFloatTypes,
          [&](auto tag) -> Status {
            using T = typename decltype(tag)::type;
            if constexpr (kIsFloat<T>) {
              T* o = out->data<T>();
              for (size_t i = 0; i < values.size(); ++i) o[i] = static_cast<T>(values[i]);
            }
            return Status::Ok();
          },
          "BatchNormalization statistics");
      (void)s;  // types were checked on entry
    };
    std::vector<double> running_mean(mean.size()), running_var(var.size());
    for (size_t i = 0; i < mean.size(); ++i) {
      running_mean[i] = mean[i] * mom + batch_mean[i] * (1 - mom);
      running_var[i] = var[i] * mom + batch_var[i] * (1 - mom);
    }
    write(1, mean_in, running_mean);
    write(2, var_in, running_var);
    if (opset_ < 14) {
      write(3, mean_in, batch_mean);
      write(4, var_in, batch_var);
    }
  }

  int opset_;
  float epsilon_;
  float momentum_;
  bool spatial_;
  bool training_mode_;
  bool stats_imply_training_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateBatchNormalization(const KernelInfo& info) {
  const bool spatial = info.opset() >= 9 || info.GetInt("spatial", 1) != 0;
  const bool training_mode = info.opset() >= 14 && info.GetInt("training_mode", 0) != 0;
  const bool stats_imply_training = info.opset() < 14 && info.GetInt("is_test", 0) == 0;
  return MakeKernel<BatchNormKernel>(info.opset(), info.GetFloat("epsilon", 1e-5f),
                                     info.GetFloat("momentum", 0.9f), spatial, training_mode,
                                     stats_imply_training);
}

}  // namespace berth::nn
