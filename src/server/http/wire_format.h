#pragma once
// Byte-level facts of the KServe v2 binary tensor data extension that the HTTP front end needs on
// top of the datatype names in server/kserve_types.h.

#include <string>

#include "berth/data_type.h"
#include "server/kserve_types.h"

namespace berth::http {

// Bytes per element in binary tensor data; 0 for BYTES (each element is a 4-byte little-endian
// length followed by the bytes) and for types the protocol cannot carry.
size_t KServeElementSize(DataType type);
// "BOOL, UINT8, ..., BF16": the datatypes the protocol defines, for error messages.
std::string KServeDataTypeList();

}  // namespace berth::http
