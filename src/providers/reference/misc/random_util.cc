#include "providers/reference/misc/random_util.h"

#include <atomic>
#include <bit>
#include <cmath>

#include "engine/dispatch.h"

namespace berth::misc {

std::optional<float> ReadSeed(const KernelInfo& info) {
  const Attribute* a = info.GetAttribute("seed");
  if (!a || a->type != Attribute::Type::kFloat) return std::nullopt;
  return a->f;
}

RandomEngine MakeRandomEngine(const std::optional<float>& seed) {
  if (seed) {
    const float s = *seed;
    // Integral seeds map to themselves; anything else (fractions, huge values, NaN) to its bit
    // pattern.
    uint64_t v = (std::isfinite(s) && std::fabs(s) < 9.0e15f && std::trunc(s) == s)
                     ? static_cast<uint64_t>(static_cast<int64_t>(s))
                     : static_cast<uint64_t>(std::bit_cast<uint32_t>(s));
    return RandomEngine(v);
  }
  static const uint64_t process_entropy = [] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }();
  static std::atomic<uint64_t> counter{0};
  std::seed_seq seq{static_cast<uint32_t>(process_entropy),
                    static_cast<uint32_t>(process_entropy >> 32),
                    static_cast<uint32_t>(counter.fetch_add(1, std::memory_order_relaxed))};
  return RandomEngine(seq);
}

StatusOr<DataType> ResolveDtypeAttribute(const KernelInfo& info, DataType fallback,
                                         uint32_t allowed) {
  DataType t = fallback;
  if (const Attribute* a = info.GetAttribute("dtype"); a && a->type == Attribute::Type::kInt) {
    if (a->i < 0 || a->i > 64 || !IsValidDataType(static_cast<int32_t>(a->i))) {
      return InvalidArgument(info.NodeLabel() + ": attribute 'dtype' = " + std::to_string(a->i) +
                             " is not a data type");
    }
    t = static_cast<DataType>(a->i);
  }
  if (!(TypeBit(t) & allowed)) {
    return InvalidArgument(info.NodeLabel() + ": output type " + std::string(DataTypeName(t)) +
                           " is not supported by this operator");
  }
  return t;
}

StatusOr<RandomOutputSpec> RandomOutputSpec::Read(const KernelInfo& info, bool like_input) {
  const std::string where = info.NodeLabel();
  RandomOutputSpec spec;
  spec.like_input = like_input;
  if (info.HasAttribute("dtype") || !like_input) {
    ASSIGN_OR_RETURN(DataType t, ResolveDtypeAttribute(info, DataType::kFloat32, kFloatTypes));
    spec.dtype = t;
  }
  if (!like_input) {
    if (!info.HasAttribute("shape"))
      return InvalidArgument(where + ": required attribute 'shape' is missing");
    spec.shape = info.GetInts("shape");
    for (int64_t d : spec.shape) {
      if (d < 0) return InvalidArgument(where + ": attribute 'shape' has a negative dimension");
    }
  }
  spec.seed = ReadSeed(info);
  return spec;
}

}  // namespace berth::misc
