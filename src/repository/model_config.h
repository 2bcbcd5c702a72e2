#pragma once
// Model configuration: parsing config.pbtxt (Triton's text format of inference.ModelConfig), the
// mapping between its TYPE_* data types and Berth's DataType, and the JSON form served by
// GET /v2/models/<m>/config (Triton's: proto field names, 64-bit integers as JSON numbers).
// Thread-safety: free functions without shared state.

#include <string>
#include <string_view>
#include <vector>

#include "berth/data_type.h"
#include "berth/status.h"
#include "repository/model_config.pb.h"

namespace berth {

struct ParsedModelConfig {
  inference::ModelConfig config;
  // One line per field the parser skipped because Berth does not know it, e.g.
  // "models/m/config.pbtxt:7: unknown field 'sequence_batching' in inference.ModelConfig (ignored)".
  std::vector<std::string> warnings;
};

// Parses protobuf text format. Unknown fields are skipped and reported in `warnings` (not fatal);
// syntax errors, bad enum values and wrongly typed values are InvalidArgument naming `source`, the
// line and the column.
StatusOr<ParsedModelConfig> ParseModelConfig(std::string_view text, const std::string& source);

// Berth's DataType for a config type (kUndefined for TYPE_INVALID); TYPE_STRING is kString.
DataType FromConfigDataType(inference::DataType type);
// TYPE_INVALID for types a config cannot name (complex numbers, undefined).
inference::DataType ToConfigDataType(DataType type);
// "TYPE_FP32", ...
std::string ConfigDataTypeName(inference::DataType type);

// Triton's JSON form: field names as in the .proto, every scalar field printed (defaults included),
// enums by name, and int64/uint64 values as JSON numbers rather than proto3 JSON's strings.
StatusOr<std::string> ModelConfigToJson(const inference::ModelConfig& config);

}  // namespace berth
