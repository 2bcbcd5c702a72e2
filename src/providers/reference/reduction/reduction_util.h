#pragma once
// Small helpers shared by the reduction kernels.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "berth/status.h"
#include "berth/tensor.h"

namespace berth::reduction {

// VisitType instantiates its callback for every element type; callbacks that only make sense for
// numbers skip the rest with `if constexpr (!kIsNumeric<T>)` (never reached at run time: the type
// set given to VisitType rejects those types first).
template <typename T>
constexpr bool kIsNumeric = !std::is_same_v<T, std::string> && !std::is_same_v<T, bool>;

// The values of an int32 or int64 tensor (axes, k, axis inputs) as int64; an error naming `what`
// and the node for any other element type.
inline StatusOr<std::vector<int64_t>> ReadIntValues(const Tensor& t, const std::string& what,
                                                    const std::string& where) {
  std::vector<int64_t> values(static_cast<size_t>(t.numel()));
  if (t.dtype() == DataType::kInt64) {
    for (int64_t i = 0; i < t.numel(); ++i) values[i] = t.data<int64_t>()[i];
  } else if (t.dtype() == DataType::kInt32) {
    for (int64_t i = 0; i < t.numel(); ++i) values[i] = t.data<int32_t>()[i];
  } else {
    return InvalidArgument(where + ": input '" + what + "' must be int32 or int64, got " +
                           t.Describe());
  }
  return values;
}

// double -> T. For integer T, NaN becomes 0 and out-of-range values saturate (a plain cast would be
// undefined behaviour, e.g. for log(0) = -inf computed on an integer tensor).
template <typename T>
T FromDouble(double v) {
  if constexpr (std::is_integral_v<T>) {
    if (std::isnan(v)) return T(0);
    if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) {
      return std::numeric_limits<T>::lowest();
    }
    if (v >= static_cast<double>(std::numeric_limits<T>::max()))
      return std::numeric_limits<T>::max();
    return static_cast<T>(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else {
    return T(static_cast<float>(v));  // Float16, BFloat16
  }
}

}  // namespace berth::reduction
