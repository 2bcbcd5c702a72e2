// Multinomial (opset 7+): for each row of a [batch, classes] tensor of unnormalized
// log-probabilities, draws `sample_size` class indices (int32 by default, or int64 via `dtype`).
// Output: [batch, sample_size]. See random_util.h for seeding.

#include <algorithm>
#include <cmath>

#include "engine/dispatch.h"
#include "providers/reference/misc/misc_kernels.h"
#include "providers/reference/misc/random_util.h"

namespace berth {
namespace {

class MultinomialKernel : public OpKernel {
 public:
  MultinomialKernel(DataType dtype, int64_t sample_size, std::optional<float> seed)
      : dtype_(dtype), sample_size_(sample_size), seed_(seed) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    if (x->rank() != 2) {
      return InvalidArgument(where + ": input must have shape [batch, classes], got " +
                             ShapeToString(x->shape()));
    }
    const int64_t batch = x->dim(0);
    const int64_t classes = x->dim(1);
    if (classes == 0 && batch > 0 && sample_size_ > 0) {
      return InvalidArgument(where + ": cannot sample from zero classes");
    }
    std::vector<double> logits(static_cast<size_t>(x->numel()));
    RETURN_IF_ERROR(VisitOf<FloatTypes>(
        x->dtype(),
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          const T* in = x->data<T>();
          for (size_t i = 0; i < logits.size(); ++i)
            logits[i] = static_cast<double>(static_cast<ComputeT<T>>(in[i]));
          return Status::Ok();
        },
        where + ": input"));

    Tensor* y = ctx.AllocateOutput(0, dtype_, {batch, sample_size_});
    misc::RandomEngine engine = misc::MakeRandomEngine(seed_);
    std::vector<double> cdf(static_cast<size_t>(classes));
    std::vector<int64_t> samples(static_cast<size_t>(batch * sample_size_));
    for (int64_t b = 0; b < batch; ++b) {
      const double* row = &logits[static_cast<size_t>(b * classes)];
      double mx = -INFINITY;
      for (int64_t c = 0; c < classes; ++c) mx = std::max(mx, row[c]);
      double total = 0;
      for (int64_t c = 0; c < classes; ++c) {
        const double w = std::isfinite(mx) ? std::exp(row[c] - mx) : 1.0;  // all -inf: uniform
        total += std::isnan(w) ? 0.0 : w;
        cdf[static_cast<size_t>(c)] = total;
      }
      std::uniform_real_distribution<double> dist(0.0, total > 0 ? total : 1.0);
      for (int64_t s = 0; s < sample_size_; ++s) {
        const double u = dist(engine);
        int64_t idx = std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin();
        samples[static_cast<size_t>(b * sample_size_ + s)] = std::min(idx, classes - 1);
      }
    }
    if (dtype_ == DataType::kInt64) {
      std::copy(samples.begin(), samples.end(), y->data<int64_t>());
    } else {
      int32_t* out = y->data<int32_t>();
      for (size_t i = 0; i < samples.size(); ++i) out[i] = static_cast<int32_t>(samples[i]);
    }
    return Status::Ok();
  }

 private:
  DataType dtype_;
  int64_t sample_size_;
  std::optional<float> seed_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateMultinomial(const KernelInfo& info) {
  ASSIGN_OR_RETURN(DataType dtype, misc::ResolveDtypeAttribute(
                                       info, DataType::kInt32,
                                       TypeBit(DataType::kInt32) | TypeBit(DataType::kInt64)));
  const int64_t sample_size = info.GetInt("sample_size", 1);
  if (sample_size < 0) {
    return InvalidArgument(info.NodeLabel() + ": sample_size must be >= 0, got " +
                           std::to_string(sample_size));
  }
  return MakeKernel<MultinomialKernel>(dtype, sample_size, misc::ReadSeed(info));
}

}  // namespace berth
