#pragma once
// KServe v2 gRPC messages <-> the core's InferenceRequest / InferenceResponse, and Status -> gRPC
// status. Kept apart from the server so that conversions are tested without a network.
//
// Request tensors come either typed (InferInputTensor.contents, the field named by the datatype:
// fp32_contents for FP32, int64_contents for INT64, int_contents for INT8/16/32, ...) or raw
// (ModelInferRequest.raw_input_contents: one entry per input, in input order, little-endian;
// BYTES elements as a 4-byte little-endian length followed by the bytes). FP16 and BF16 exist only
// raw. Responses are always raw (raw_output_contents, one per output), as Triton answers.
//
// Every error is InvalidArgument and names the tensor or field, in the same words as the REST
// parser (server/http/infer_request_parser.h) where the two protocols share the case.
// Thread-safety: free functions without shared state.

#include <grpcpp/support/status.h>

#include <cstdint>
#include <string>

#include "berth/status.h"
#include "server/grpc/grpc_service.pb.h"
#include "server/inference_server.h"

namespace berth::grpc_frontend {

struct GrpcParseOptions {
  // Largest element count of one input tensor (checked before anything is allocated).
  int64_t max_tensor_elements = int64_t{1} << 28;
};

// "" -> kLatestVersion; otherwise a non-negative integer, else InvalidArgument naming the model.
StatusOr<int64_t> ParseModelVersion(const std::string& model, const std::string& version);

StatusOr<InferenceRequest> ToInferenceRequest(const inference::ModelInferRequest& request,
                                              const GrpcParseOptions& options);

// Fills `out` (cleared first) with the response's outputs in raw form.
Status ToModelInferResponse(const InferenceResponse& response, inference::ModelInferResponse* out);

// Our codes are gRPC's codes (berth/status.h keeps the numbering), so this is a cast.
::grpc::Status ToGrpcStatus(const Status& status);

}  // namespace berth::grpc_frontend
