#include "server/http/kserve_types.h"

#include <array>
#include <utility>

namespace berth::http {
namespace {

constexpr std::array<std::pair<std::string_view, DataType>, 14> kTypes = {{
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

std::string_view KServeDataTypeName(DataType type) {
  for (const auto& [name, t] : kTypes) {
    if (t == type) return name;
  }
  return "";
}

std::optional<DataType> ParseKServeDataType(std::string_view name) {
  for (const auto& [n, t] : kTypes) {
    if (n == name) return t;
  }
  return std::nullopt;
}

size_t KServeElementSize(DataType type) {
  switch (type) {
    case DataType::kBool:
    case DataType::kUint8:
    case DataType::kInt8: return 1;
    case DataType::kUint16:
    case DataType::kInt16:
    case DataType::kFloat16:
    case DataType::kBFloat16: return 2;
    case DataType::kUint32:
    case DataType::kInt32:
    case DataType::kFloat32: return 4;
    case DataType::kUint64:
    case DataType::kInt64:
    case DataType::kFloat64: return 8;
    default: return 0;
  }
}

std::string KServeDataTypeList() {
  std::string out;
  for (const auto& [name, t] : kTypes) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace berth::http
