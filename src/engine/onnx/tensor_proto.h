#pragma once
// Conversions between ONNX protobuf messages (TensorProto, SequenceProto, OptionalProto) and Berth
// values. Used by the model importer (initializers, Constant attributes), `berth run` and the
// conformance runner (test_data_set_N/*.pb files).

#include <functional>
#include <string>

#include <onnx/onnx_pb.h>  // first: defines ONNX_API used by the other generated headers
#include <onnx/onnx-data_pb.h>

#include "berth/status.h"
#include "berth/tensor.h"
#include "berth/value.h"

namespace berth {

// Reads a TensorProto. External data (data_location EXTERNAL) is read from `base_dir`/location; an
// empty base_dir forbids external data. Errors name the tensor and what was inconsistent.
StatusOr<Tensor> TensorFromProto(const onnx::TensorProto& proto, const std::string& base_dir);
// Reads a TensorProto whose raw_data was kept out of the message (see raw_data_scan.h): the payload has
// `raw_size` bytes and read(dst) copies it into the new tensor's buffer. Same checks as TensorFromProto.
StatusOr<Tensor> TensorFromProtoRaw(const onnx::TensorProto& proto, size_t raw_size,
                                    const std::function<Status(void* dst)>& read);
// Writes `tensor` as a TensorProto with raw_data (string tensors use string_data).
void TensorToProto(const Tensor& tensor, const std::string& name, onnx::TensorProto* proto);

// A file holding a serialized TensorProto, SequenceProto or OptionalProto (as the ONNX test data
// uses). `kind_hint` says which one to expect ("tensor", "sequence", "optional"); "" guesses: tensor first.
StatusOr<Value> ReadValueFile(const std::string& path, const std::string& kind_hint = "");
Status WriteTensorFile(const Tensor& tensor, const std::string& name, const std::string& path);

// Reads a whole file into memory; a clear error if it cannot be opened.
StatusOr<std::string> ReadFileBytes(const std::string& path);

}  // namespace berth
