#include "server/kserve_types.h"

#include <array>
#include <utility>

namespace berth {

namespace {

constexpr std::array<std::pair<std::string_view, DataType>, 14> kNames = {{
    {"BOOL", DataType::kBool},
    {"UINT8", DataType::kUint8},
    {"UINT16", DataType::kUint16},
    {"UINT32", DataType::kUint32},
    {"UINT64", DataType::kUint64},
    {"INT8", DataType::kInt8},
    {"INT16", DataType::kInt16},
    {"INT32", DataType::kInt32},
    {"INT64", DataType::kInt64},
    {"FP16", DataType::kFloat16},
    {"FP32", DataType::kFloat32},
    {"FP64", DataType::kFloat64},
    {"BYTES", DataType::kString},
    {"BF16", DataType::kBFloat16},
}};

}  // namespace

std::string_view DataTypeToKServe(DataType type) {
  for (const auto& [name, t] : kNames) {
    if (t == type) return name;
  }
  return "";
}

std::optional<DataType> DataTypeFromKServe(std::string_view name) {
  for (const auto& [n, t] : kNames) {
    if (n == name) return t;
  }
  return std::nullopt;
}

}  // namespace berth
