#pragma once
// KServe v2 inference request (JSON, optionally followed by binary tensor data) ->
// InferenceRequest.
//
// The body is `{"id", "parameters", "inputs": [...], "outputs": [...]}`. Tensor data comes either
// as JSON ("data": flat or nested arrays, in row-major order) or, with Triton's binary tensor data
// extension, as raw little-endian bytes after the JSON: the JSON part is the first
// `Inference-Header-Content-Length` bytes of the body, and each input whose parameters hold
// "binary_data_size" takes that many bytes, in the order the inputs are listed. BYTES elements in
// binary form are a 4-byte little-endian length followed by the bytes.
//
// Every error is InvalidArgument and names the field or tensor that was wrong.
// Thread-safety: free functions without shared state.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "berth/status.h"
#include "server/inference_server.h"

namespace berth::http {

struct InferParseOptions {
  // Largest element count of one input tensor (checked before anything is allocated).
  int64_t max_tensor_elements = int64_t{1} << 28;
};

// How the response should carry each output: as JSON "data" or as binary data after the JSON.
struct OutputEncoding {
  // From the request's "binary_data_output" parameter: the default for every output.
  bool binary_by_default = false;
  // From each requested output's "binary_data" parameter, when given.
  std::unordered_map<std::string, bool> binary_by_output;

  bool IsBinary(const std::string& output) const {
    auto it = binary_by_output.find(output);
    return it != binary_by_output.end() ? it->second : binary_by_default;
  }
};

struct ParsedInferRequest {
  InferenceRequest request;
  OutputEncoding encoding;
  int64_t binary_bytes = 0;  // bytes of binary tensor data the request carried
};

// Parses the value of the Inference-Header-Content-Length header.
StatusOr<size_t> ParseInferenceHeaderLength(std::string_view value, size_t body_size);

// `json_length`: the Inference-Header-Content-Length value, or nullopt when the header is absent
// (then the whole body is JSON and no input may use binary data).
StatusOr<ParsedInferRequest> ParseInferRequest(std::string_view body,
                                               std::optional<size_t> json_length,
                                               const std::string& model_name, int64_t model_version,
                                               const InferParseOptions& options);

}  // namespace berth::http
