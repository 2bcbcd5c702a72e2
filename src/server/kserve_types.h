#pragma once
// KServe v2 / Open Inference Protocol datatype names ("FP32", "INT64", "BYTES", ...) and Berth's
// DataType. BYTES is DataType::kString (each element a byte string).
// Thread-safety: pure functions.

#include <optional>
#include <string_view>

#include "berth/data_type.h"

namespace berth {

// "" for types the protocol cannot carry (kUndefined, complex numbers).
std::string_view DataTypeToKServe(DataType type);
// nullopt for names the protocol does not define. Names are case-sensitive, as in the spec.
std::optional<DataType> DataTypeFromKServe(std::string_view name);

}  // namespace berth
