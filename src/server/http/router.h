#pragma once
// Router: maps one parsed HTTP request to the KServe v2 REST API (plus /metrics) and returns the
// response. It knows the protocol and nothing about sockets; HttpServer feeds it, and tests and the
// fuzzer call it directly.
//
//   GET  /v2                                            server metadata
//   GET  /v2/health/live | /v2/health/ready              200 {"live"|"ready": true}, 400 when false
//   GET  /v2/models/{m}[/versions/{v}]                  model metadata
//   GET  /v2/models/{m}[/versions/{v}]/ready            200 / 400 {"name", "ready"}
//   GET  /v2/models/{m}[/versions/{v}]/config           model configuration (Triton's JSON form)
//   POST /v2/models/{m}[/versions/{v}]/infer            inference (JSON and binary tensor data)
//   POST /v2/models/{m}[/versions/{v}]/infer_async      async job: 202 {"id", "status"}, Location
//   GET  /v2/jobs                                       [{"id", "status", "model_name", ...}]
//   GET  /v2/jobs/{id}                                  a job's status
//   GET  /v2/jobs/{id}/result[?wait_ms=N]               the inference response (as /infer answers
//                                                       it) once done; 202 + status while pending
//   DELETE /v2/jobs/{id}                                forget a job
//   POST /v2/repository/index                           [{"name", "version", "state", "reason"}]
//   POST /v2/repository/models/{m}/load | /unload       repository extension
//   GET  /metrics                                       Prometheus text format
//
// Errors are {"error": "<message>"} with the status StatusCodeToHttp gives; unknown paths are 404,
// known paths with the wrong method 405.
// Thread-safety: Handle may be called from many threads at once.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "server/async_jobs.h"
#include "server/http/infer_request_parser.h"
#include "server/inference_server.h"

namespace berth::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// What the access log and payload log need to know about a handled request.
struct RequestInfo {
  int64_t compute_us = 0;  // time the core spent on an inference (input, run, output), not queueing
  std::string model;       // "" when the route names no model
  std::string version;     // "" for "latest"; the served version after a successful inference
  std::string request_id;  // the request's "id", if it had one
  int64_t batch_size = 0;  // 0 unless it was an inference
  bool inference = false;  // POST .../infer
  std::string error;       // the error message, when the answer is an error
};

class Router {
 public:
  // `jobs` may be null: the async routes then answer 404.
  Router(InferenceServer& server, InferParseOptions options, AsyncJobStore* jobs = nullptr)
      : server_(server), options_(options), jobs_(jobs) {}

  // Answers one request; never throws. The response has its status, headers and body set;
  // keep-alive and the HTTP version are left to the caller.
  Response Handle(const Request& request, RequestInfo* info) const;

  // Like Handle, but an inference does not block the caller: `done` gets the response, on the
  // calling thread or later on a model worker thread. `allow_direct`: the model may run on the
  // calling thread if it is idle (InferenceRequest::allow_direct). Other requests are handled at once.
  void HandleAsync(const Request& request, RequestInfo* info, bool allow_direct,
                   std::function<void(Response)> done) const;

  // True for requests that may take long (inference, model loading): HttpServer runs them on its
  // worker pool so that health checks and metrics stay responsive while models are busy.
  static bool MayBlock(const Request& request);

 private:
  Response HandleImpl(const Request& request, RequestInfo* info) const;
  // The core's protocol extensions plus the ones this front end adds (async_jobs).
  std::vector<std::string> Extensions() const;
  Response Infer(const Request& request, const std::string& model, int64_t version,
                 RequestInfo* info) const;
  Response SubmitJob(const Request& request, const std::string& model, int64_t version,
                     RequestInfo* info) const;
  Response Jobs(const Request& request, const std::vector<std::string>& seg, RequestInfo* info) const;
  // The request body parsed into an InferenceRequest, or the error response to send.
  StatusOr<ParsedInferRequest> ParseInfer(const Request& request, const std::string& model,
                                          int64_t version, RequestInfo* info) const;
  Response RenderInfer(const InferenceResponse& response, const OutputEncoding& encoding,
                       RequestInfo* info) const;

  InferenceServer& server_;
  InferParseOptions options_;
  AsyncJobStore* jobs_;
};

// Beast (Boost 1.74) speaks boost::string_view; the rest of Berth speaks std::string_view.
inline std::string_view ToStd(boost::beast::string_view s) { return {s.data(), s.size()}; }

// Percent-decodes one path segment; false when an escape is malformed.
bool PercentDecode(std::string_view in, std::string* out);

}  // namespace berth::http
