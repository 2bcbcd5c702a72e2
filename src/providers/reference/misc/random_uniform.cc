// RandomUniform and RandomUniformLike (opset 1+): samples from U[low, high). RandomUniform takes
// its shape from the `shape` attribute; RandomUniformLike from its input (whose type is the default
// output type). Output types: float16, float, double, bfloat16. See random_util.h for seeding.

#include "providers/reference/misc/misc_kernels.h"
#include "providers/reference/misc/random_util.h"
#include "providers/reference/misc/typed_dispatch.h"

namespace berth {
namespace {

class RandomUniformKernel : public OpKernel {
 public:
  // `shape` is used when `like_input` is false.
  RandomUniformKernel(bool like_input, Shape shape, std::optional<DataType> dtype, double low,
                      double high, std::optional<float> seed)
      : like_input_(like_input),
        shape_(std::move(shape)),
        dtype_(dtype),
        low_(low),
        high_(high),
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
    std::uniform_real_distribution<double> dist(low_, high_);
    return misc::VisitFloat(
        dtype,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          T* p = y->data<T>();
          for (int64_t i = 0; i < y->numel(); ++i)
            p[i] = static_cast<T>(static_cast<ComputeT<T>>(dist(engine)));
          return Status::Ok();
        },
        where);
  }

 private:
  bool like_input_;
  Shape shape_;
  std::optional<DataType> dtype_;
  double low_, high_;
  std::optional<float> seed_;
};

StatusOr<std::unique_ptr<OpKernel>> Create(const KernelInfo& info, bool like_input) {
  const std::string where = info.NodeLabel();
  const double low = info.GetFloat("low", 0.0f);
  const double high = info.GetFloat("high", 1.0f);
  if (!(low <= high) || !std::isfinite(low) || !std::isfinite(high)) {
    return InvalidArgument(where + ": need finite low <= high (got " + std::to_string(low) + ", " +
                           std::to_string(high) + ")");
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
  return MakeKernel<RandomUniformKernel>(like_input, std::move(shape), dtype, low, high,
                                         misc::ReadSeed(info));
}

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateRandomUniform(const KernelInfo& info) {
  return Create(info, false);
}
StatusOr<std::unique_ptr<OpKernel>> CreateRandomUniformLike(const KernelInfo& info) {
  return Create(info, true);
}

}  // namespace berth
