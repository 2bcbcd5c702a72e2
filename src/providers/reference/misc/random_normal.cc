// RandomNormal and RandomNormalLike (opset 1+): samples from N(mean, scale^2). RandomNormal takes
// its shape from the `shape` attribute; RandomNormalLike from its input (whose type is the default
// output type). Output types: float16, float, double, bfloat16. See random_util.h for seeding.

#include "providers/reference/misc/misc_kernels.h"
#include "providers/reference/misc/random_util.h"
#include "providers/reference/misc/typed_dispatch.h"

namespace berth {
namespace {

class RandomNormalKernel : public OpKernel {
 public:
  // `shape` is used when `like_input` is false.
  RandomNormalKernel(bool like_input, Shape shape, std::optional<DataType> dtype, double mean,
                     double scale, std::optional<float> seed)
      : like_input_(like_input),
        shape_(std::move(shape)),
        dtype_(dtype),
        mean_(mean),
        scale_(scale),
        seed_(seed) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    Shape shape = shape_;
    DataType dtype = dtype_.value_or(DataType::kFloat32);
    if (like_input_) {
      ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
      shape = x->shape();
      if (!dtype_) dtype = x->dtype();
    }
    if (!(TypeBit(dtype) & kFloatTypes)) return UnsupportedType(dtype, where + ": output");
    Tensor* y = ctx.AllocateOutput(0, dtype, shape);
    misc::RandomEngine engine = misc::MakeRandomEngine(seed_);
    // std::normal_distribution requires a positive deviation; scale 0 gives the mean everywhere.
    std::normal_distribution<double> dist(mean_, scale_ > 0 ? scale_ : 1.0);
    return misc::VisitFloat(
        dtype,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          T* p = y->data<T>();
          for (int64_t i = 0; i < y->numel(); ++i) {
            const double v = scale_ > 0 ? dist(engine) : mean_;
            p[i] = static_cast<T>(static_cast<ComputeT<T>>(v));
          }
          return Status::Ok();
        },
        where);
  }

 private:
  bool like_input_;
  Shape shape_;
  std::optional<DataType> dtype_;
  double mean_, scale_;
  std::optional<float> seed_;
};

StatusOr<std::unique_ptr<OpKernel>> Create(const KernelInfo& info, bool like_input) {
  const std::string where = info.NodeLabel();
  const double mean = info.GetFloat("mean", 0.0f);
  const double scale = info.GetFloat("scale", 1.0f);
  if (!(scale >= 0) || !std::isfinite(mean) || !std::isfinite(scale)) {
    return InvalidArgument(where + ": need a finite mean and a finite scale >= 0 (got " +
                           std::to_string(mean) + ", " + std::to_string(scale) + ")");
  }
  std::optional<DataType> dtype;
  if (info.HasAttribute("dtype") || !like_input) {
    ASSIGN_OR_RETURN(DataType t,
                     misc::ResolveDtypeAttribute(info, DataType::kFloat32, kFloatTypes));
    dtype = t;
  }
  Shape shape;
  if (!like_input) {
    if (!info.HasAttribute("shape"))
      return InvalidArgument(where + ": required attribute 'shape' is missing");
    shape = info.GetInts("shape");
    for (int64_t d : shape) {
      if (d < 0) return InvalidArgument(where + ": attribute 'shape' has a negative dimension");
    }
  }
  return MakeKernel<RandomNormalKernel>(like_input, std::move(shape), dtype, mean, scale,
                                        misc::ReadSeed(info));
}

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateRandomNormal(const KernelInfo& info) {
  return Create(info, false);
}
StatusOr<std::unique_ptr<OpKernel>> CreateRandomNormalLike(const KernelInfo& info) {
  return Create(info, true);
}

}  // namespace berth
