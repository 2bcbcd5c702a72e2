// Dropout. In inference (every opset before 12, and from 12 when training_mode is absent or false,
// or the ratio is 0) the output is the input itself and the optional mask is all true (all ones of
// type T before opset 10). With training_mode=true from opset 12, elements are dropped at random
// with probability `ratio` and the rest scaled by 1/(1-ratio). With a `seed` attribute the draws
// are those of numpy's np.random.seed(seed); np.random.uniform(0, 1, shape) (ONNX's reference), so
// results are repeatable and match it; without one every run draws a fresh mask.

#include <random>

#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

class DropoutKernel : public OpKernel {
 public:
  DropoutKernel(int opset, float attr_ratio, bool has_seed, int64_t seed)
      : opset_(opset), attr_ratio_(attr_ratio), has_seed_(has_seed), seed_(seed) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    double ratio = attr_ratio_;
    bool training = false;
    if (opset_ >= 12) {
      ratio = 0.5;
      if (const Tensor* r = ctx.input(1)) {
        ASSIGN_OR_RETURN(ratio,
                         tensor_ops::ReadScalarAsDouble(*r, ctx.NodeLabel(), "input 'ratio'"));
      }
      if (const Tensor* t = ctx.input(2)) {
        ASSIGN_OR_RETURN(double mode, tensor_ops::ReadScalarAsDouble(*t, ctx.NodeLabel(),
                                                                     "input 'training_mode'"));
        training = mode != 0;
      }
    }
    if (training && (ratio < 0 || ratio >= 1)) {
      return InvalidArgument(ctx.NodeLabel() + ": ratio " + std::to_string(ratio) +
                             " is outside [0, 1)");
    }
    const bool want_mask = ctx.output_wanted(1);
    if (!training || ratio == 0) {
      ctx.SetOutput(0, *x);
      if (want_mask) {
        if (opset_ < 10) {
          // Before opset 10 the mask has the input's type: all ones.
          Tensor* mask = ctx.AllocateOutput(1, x->dtype(), x->shape());
          return VisitOf<FloatTypes>(
              x->dtype(),
              [&](auto tag) -> Status {
                using T = typename decltype(tag)::type;
                T* m = mask->data<T>();
                for (int64_t i = 0; i < mask->numel(); ++i) m[i] = T(1.0f);
                return Status::Ok();
              },
              ctx.NodeLabel());
        }
        Tensor* mask = ctx.AllocateOutput(1, DataType::kBool, x->shape());
        bool* m = mask->data<bool>();
        for (int64_t i = 0; i < mask->numel(); ++i) m[i] = true;
      }
      return Status::Ok();
    }
    // std::mt19937's seeding is MT19937's init_genrand, as numpy's legacy seeding is.
    std::mt19937 rng(has_seed_ ? static_cast<uint32_t>(seed_) : std::random_device{}());
    auto uniform = [&rng]() {  // numpy's random_sample: 53 random bits from two draws
      const uint32_t a = rng() >> 5, b = rng() >> 6;
      return (a * 67108864.0 + b) / 9007199254740992.0;
    };
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), x->shape());
    Tensor mask_storage(DataType::kBool, x->shape());
    Tensor* mask = want_mask ? ctx.AllocateOutput(1, DataType::kBool, x->shape()) : &mask_storage;
    bool* m = mask->data<bool>();
    for (int64_t i = 0; i < x->numel(); ++i) m[i] = uniform() >= ratio;
    const double scale = 1.0 / (1.0 - ratio);
    return VisitOf<FloatTypes>(
        x->dtype(),
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          using C = ComputeT<T>;
          const T* in = x->data<T>();
          T* out = y->data<T>();
          for (int64_t i = 0; i < x->numel(); ++i)
            out[i] = T(m[i] ? static_cast<C>(static_cast<C>(in[i]) * scale) : C(0));
          return Status::Ok();
        },
        ctx.NodeLabel());
  }

 private:
  int opset_;
  float attr_ratio_;
  bool has_seed_;
  int64_t seed_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateDropout(const KernelInfo& info) {
  return MakeKernel<DropoutKernel>(info.opset(), info.GetFloat("ratio", 0.5f),
                                   info.HasAttribute("seed"), info.GetInt("seed", 0));
}

}  // namespace berth
