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

}  // namespace berth::misc
