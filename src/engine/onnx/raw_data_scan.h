#pragma once
// Splits a serialized ONNX ModelProto into the small part protobuf should parse and the large tensor
// payloads it should not: the raw_data of the main graph's initializers. Parsing a model with protobuf
// copies every raw_data into the message (and the caller then copies it again into tensors), so a
// 400 MB model would need the file bytes, the message and the tensors at once. Instead the importer
// parses the stripped message and reads each payload straight into its tensor's buffer.
//
// Only the wire format is walked (ModelProto.graph = 7 -> GraphProto.initializer = 5 ->
// TensorProto.raw_data = 9); every other byte is copied unchanged, so the stripped message parses to the
// same model minus those raw_data fields. A field repeated in the input keeps protobuf's meaning
// (graph messages merge, initializers concatenate, the last raw_data of a tensor wins).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth {

struct RawDataRange {
  bool present = false;  // the initializer had a raw_data field (stripped)
  uint64_t offset = 0;   // of the payload in the input bytes
  uint64_t size = 0;
};

struct StrippedModel {
  std::string bytes;  // the ModelProto without the main graph's initializer raw_data
  // One entry per initializer of the main graph, in the order the parsed message lists them.
  std::vector<RawDataRange> initializers;
};

// False if `bytes` is not well-formed at the levels walked (the caller then parses the original bytes,
// which reports the problem precisely). Never reads outside `bytes`.
bool StripInitializerRawData(std::string_view bytes, StrippedModel* out);

}  // namespace berth
