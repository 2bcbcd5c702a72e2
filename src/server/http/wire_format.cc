#include "server/http/wire_format.h"

namespace berth::http {

size_t KServeElementSize(DataType type) {
  switch (type) {
    case DataType::kBool:
    case DataType::kUint8:
    case DataType::kInt8:
      return 1;
    case DataType::kUint16:
    case DataType::kInt16:
    case DataType::kFloat16:
    case DataType::kBFloat16:
      return 2;
    case DataType::kUint32:
    case DataType::kInt32:
    case DataType::kFloat32:
      return 4;
    case DataType::kUint64:
    case DataType::kInt64:
    case DataType::kFloat64:
      return 8;
    default:
      return 0;
  }
}

std::string KServeDataTypeList() {
  std::string out;
  for (DataType type :
       {DataType::kBool, DataType::kUint8, DataType::kUint16, DataType::kUint32, DataType::kUint64,
        DataType::kInt8, DataType::kInt16, DataType::kInt32, DataType::kInt64, DataType::kFloat16,
        DataType::kFloat32, DataType::kFloat64, DataType::kString, DataType::kBFloat16}) {
    if (!out.empty()) out += ", ";
    out += DataTypeToKServe(type);
  }
  return out;
}

}  // namespace berth::http
