#pragma once
// InferenceResponse -> KServe v2 response body:
//   {"model_name", "model_version", "id", "outputs": [{"name", "datatype", "shape", "data"}]}
// Outputs asked for in binary form carry "parameters": {"binary_data_size": N} instead of "data",
// and their bytes follow the JSON in output order; `json_length` is then the value of the
// Inference-Header-Content-Length response header.
// Thread-safety: free functions without shared state.

#include <optional>
#include <string>

#include "berth/status.h"
#include "server/http/infer_request_parser.h"
#include "server/inference_server.h"

namespace berth::http {

struct RenderedResponse {
  std::string body;
  std::optional<size_t> json_length;  // set when binary data follows the JSON
  int64_t binary_bytes = 0;
};

// Fails (Internal) only for an output whose type the protocol cannot express (complex numbers).
StatusOr<RenderedResponse> RenderInferResponse(const InferenceResponse& response,
                                               const OutputEncoding& encoding);

// {"error": "<message>"}
std::string ErrorBody(const std::string& message);

}  // namespace berth::http
