// Bernoulli (opset 15+): output[i] = 1 with probability input[i], else 0 (u < p for u ~ U[0, 1)).
// The output type is the `dtype` attribute, defaulting to the input's type. See random_util.h for
// seeding.

#include "engine/dispatch.h"
#include "providers/reference/misc/misc_kernels.h"
#include "providers/reference/misc/random_util.h"

namespace berth {
namespace {

class BernoulliKernel : public OpKernel {
 public:
  BernoulliKernel(std::optional<DataType> dtype, std::optional<float> seed)
      : dtype_(dtype), seed_(seed) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    const DataType out_type = dtype_.value_or(x->dtype());
    if (!(TypeBit(out_type) & (kAllNumeric | kBoolType)))
      return UnsupportedType(out_type, where + ": output");
    Tensor* y = ctx.AllocateOutput(0, out_type, x->shape());
    misc::RandomEngine engine = misc::MakeRandomEngine(seed_);
    std::uniform_real_distribution<double> dist(0.0, 1.0);
    std::vector<double> p(static_cast<size_t>(x->numel()));
    RETURN_IF_ERROR(VisitOf<FloatTypes>(
        x->dtype(),
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          const T* in = x->data<T>();
          for (size_t i = 0; i < p.size(); ++i)
            p[i] = static_cast<double>(static_cast<ComputeT<T>>(in[i]));
          return Status::Ok();
        },
        where + ": input"));
    return VisitOf<NumericOrBoolTypes>(
        out_type,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          T* out = y->data<T>();
          for (size_t i = 0; i < p.size(); ++i) {
            const bool one = dist(engine) < p[i];
            if constexpr (std::is_same_v<T, bool>) {
              out[i] = one;
            } else {
              out[i] = static_cast<T>(static_cast<ComputeT<T>>(one ? 1 : 0));
            }
          }
          return Status::Ok();
        },
        where);
  }

 private:
  std::optional<DataType> dtype_;
  std::optional<float> seed_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateBernoulli(const KernelInfo& info) {
  std::optional<DataType> dtype;
  if (info.HasAttribute("dtype")) {
    ASSIGN_OR_RETURN(
        DataType t, misc::ResolveDtypeAttribute(info, DataType::kFloat32, kAllNumeric | kBoolType));
    dtype = t;
  }
  return MakeKernel<BernoulliKernel>(dtype, misc::ReadSeed(info));
}

}  // namespace berth
