#pragma once
// KServe v2 datatype names ("FP32", "BYTES", ...) and their mapping to Berth's DataType.

#include <optional>
#include <string>
#include <string_view>

#include "berth/data_type.h"

namespace berth::http {

// The KServe v2 name of a type, or "" when the protocol has none (complex types).
std::string_view KServeDataTypeName(DataType type);
// Parses a KServe v2 name; nullopt when unknown. Names are case-sensitive, as the protocol says.
std::optional<DataType> ParseKServeDataType(std::string_view name);
// Bytes per element in the binary tensor data extension; 0 for BYTES (variable length).
size_t KServeElementSize(DataType type);
// "BOOL, UINT8, ..." for error messages.
std::string KServeDataTypeList();

}  // namespace berth::http
