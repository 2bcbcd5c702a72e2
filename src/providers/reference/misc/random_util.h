#pragma once
// Random number generation shared by RandomUniform(Like), RandomNormal(Like), Bernoulli and
// Multinomial.
//
// Kernels are immutable and may run concurrently, so a generator is created per Compute call:
// - with a `seed` attribute it is seeded from it, so every run of that node yields the same values
//   (reproducible; ONNX only promises a deterministic stream, not particular values);
// - without one it is seeded from process-wide entropy plus a counter, so runs differ.

#include <optional>
#include <random>
#include <string>

#include "berth/status.h"
#include "berth/tensor.h"
#include "engine/dispatch.h"
#include "engine/kernel.h"

namespace berth::misc {

using RandomEngine = std::mt19937_64;

// The node's `seed` attribute, if it has one.
std::optional<float> ReadSeed(const KernelInfo& info);

// A generator for one run (see above).
RandomEngine MakeRandomEngine(const std::optional<float>& seed);

// Resolves an optional `dtype` attribute: its value if present (checked to be in `allowed`, a
// TypeSet), else `fallback`. Errors name the node.
StatusOr<DataType> ResolveDtypeAttribute(const KernelInfo& info, DataType fallback,
                                         uint32_t allowed);

// Where RandomUniform/RandomNormal and their *Like forms take the output's shape and type from:
// the `shape` attribute and the `dtype` attribute (default float), or for the *Like forms input 0
// (whose type is the default when there is no `dtype`).
struct RandomOutputSpec {
  bool like_input = false;
  Shape shape;                    // used when !like_input
  std::optional<DataType> dtype;  // always set when !like_input
  std::optional<float> seed;

  // Reads and checks `dtype`, `shape` and `seed`; errors name the node.
  static StatusOr<RandomOutputSpec> Read(const KernelInfo& info, bool like_input);
};

// RandomUniform(Like) / RandomNormal(Like): fills a new float-typed output (see RandomOutputSpec)
// with sample(engine) for a copy of `sampler`, a callable taking a RandomEngine& and returning
// double (a copy per run keeps Compute free of shared state).
template <typename Sampler>
class RandomFillKernel final : public OpKernel {
 public:
  RandomFillKernel(RandomOutputSpec spec, Sampler sampler)
      : spec_(std::move(spec)), sampler_(std::move(sampler)) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    Shape shape = spec_.shape;
    DataType dtype = spec_.dtype.value_or(DataType::kFloat32);
    if (spec_.like_input) {
      ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
      shape = x->shape();
      if (!spec_.dtype) dtype = x->dtype();
    }
    if (!(TypeBit(dtype) & kFloatTypes)) return UnsupportedType(dtype, where + ": output");
    Tensor* y = ctx.AllocateOutput(0, dtype, shape);
    RandomEngine engine = MakeRandomEngine(spec_.seed);
    Sampler sample = sampler_;
    return VisitOf<FloatTypes>(
        dtype,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          T* p = y->data<T>();
          for (int64_t i = 0; i < y->numel(); ++i)
            p[i] = static_cast<T>(static_cast<ComputeT<T>>(sample(engine)));
          return Status::Ok();
        },
        where);
  }

 private:
  RandomOutputSpec spec_;
  Sampler sampler_;
};

}  // namespace berth::misc
