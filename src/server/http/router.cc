#include "server/http/router.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <vector>

#include "server/http/infer_response_writer.h"
#include "common/json_writer.h"
#include "server/metrics.h"

namespace berth::http {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

constexpr const char* kJson = "application/json";

Response MakeResponse(bhttp::status status, std::string body, const char* content_type = kJson) {
  Response res{status, 11};
  res.set(bhttp::field::server, "berth");
  res.set(bhttp::field::content_type, content_type);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response ErrorResponse(int http_status, const std::string& message, RequestInfo* info) {
  info->error = message;
  Response res = MakeResponse(static_cast<bhttp::status>(http_status), ErrorBody(message));
  // 429 means "too much right now" (queue or job store full): tell clients when to come back.
  if (http_status == 429) res.set(bhttp::field::retry_after, "1");
  return res;
}

Response ErrorResponse(const Status& status, RequestInfo* info) {
  return ErrorResponse(StatusCodeToHttp(status.code()), status.message(), info);
}

Response MethodNotAllowed(const Request& request, const char* allowed, RequestInfo* info) {
  Response res =
      ErrorResponse(405,
                    "method " + std::string(request.method_string()) + " is not allowed on " +
                        std::string(request.target()) + " (use " + allowed + ")",
                    info);
  res.set(bhttp::field::allow, allowed);
  return res;
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json TensorMetadataJson(const std::vector<TensorMetadata>& tensors) {
  json out = json::array();
  for (const TensorMetadata& t : tensors) {
    out.push_back({{"name", t.name}, {"datatype", t.datatype}, {"shape", t.shape}});
  }
  return out;
}

// Splits the path of a request target ("/v2/models/a%20b/infer?x=1") into decoded segments.
bool SplitPath(std::string_view target, std::vector<std::string>* segments) {
  const size_t query = target.find('?');
  if (query != std::string_view::npos) target = target.substr(0, query);
  if (target.empty() || target.front() != '/') return false;
  target.remove_prefix(1);
  if (!target.empty() && target.back() == '/') target.remove_suffix(1);  // "/v2/" is "/v2"
  segments->reserve(8);  // the longest route has 7 segments: one allocation
  while (true) {
    const size_t slash = target.find('/');
    std::string segment;
    if (!PercentDecode(target.substr(0, slash), &segment)) return false;
    segments->push_back(std::move(segment));
    if (slash == std::string_view::npos) break;
    target.remove_prefix(slash + 1);
  }
  return true;
}

// A version segment: a positive decimal integer.
bool ParseVersion(const std::string& text, int64_t* version) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *version);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size() && *version >= 0;
}

// Optional JSON body of the repository API; {} when empty.
StatusOr<json> ParseOptionalJsonBody(const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return InvalidArgument("request body is not valid JSON");
  if (!parsed.is_object()) return InvalidArgument("request body must be a JSON object");
  return parsed;
}

}  // namespace

bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      *out += in[i];
      continue;
    }
    if (in.size() - i < 3) return false;
    int value = 0;
    for (size_t k = i + 1; k <= i + 2; ++k) {
      const char c = in[k];
      value <<= 4;
      if (c >= '0' && c <= '9')
        value |= c - '0';
      else if (c >= 'a' && c <= 'f')
        value |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        value |= c - 'A' + 10;
      else
        return false;
    }
    *out += static_cast<char>(value);
    i += 2;
  }
  return true;
}

bool Router::MayBlock(const Request& request) {
  // POSTs run models or load them; fetching an async result may wait for it (?wait_ms).
  return request.method() == bhttp::verb::post ||
         ToStd(request.target()).find("/result") != std::string_view::npos;
}

Response Router::Handle(const Request& request, RequestInfo* info) const {
  try {
    Response res = HandleImpl(request, info);
    if (request.method() == bhttp::verb::head) {
      // HEAD: the GET answer's status and headers (Content-Length included), without the body.
      const size_t length = res.body().size();
      res.body().clear();
      res.content_length(length);
    }
    return res;
  } catch (const std::bad_alloc&) {
    return ErrorResponse(500, "out of memory while handling the request", info);
  } catch (const std::exception& e) {
    return ErrorResponse(500, std::string("internal error: ") + e.what(), info);
  }
}

Response Router::HandleImpl(const Request& request, RequestInfo* info) const {
  std::vector<std::string> seg;
  if (!SplitPath(ToStd(request.target()), &seg)) {
    return ErrorResponse(400, "malformed request target '" + std::string(request.target()) + "'",
                         info);
  }
  const bhttp::verb method = request.method();
  const bool get = method == bhttp::verb::get || method == bhttp::verb::head;
  const bool post = method == bhttp::verb::post;
  const size_t n = seg.size();

  if (n == 1 && seg[0] == "metrics") {
    if (!get) return MethodNotAllowed(request, "GET", info);
    return MakeResponse(bhttp::status::ok, server_.metrics().Serialize(),
                        "text/plain; version=0.0.4; charset=utf-8");
  }
  if (n == 0 || seg[0] != "v2") {
    return ErrorResponse(404, "unknown route '" + std::string(request.target()) + "'", info);
  }

  // GET /v2
  if (n == 1) {
    if (!get) return MethodNotAllowed(request, "GET", info);
    json body = {{"name", server_.ServerName()},
                 {"version", server_.ServerVersion()},
                 {"extensions", Extensions()}};
    return MakeResponse(bhttp::status::ok, Dump(body));
  }

  // /v2/health/{live,ready}
  if (seg[1] == "health" && n == 3 && (seg[2] == "live" || seg[2] == "ready")) {
    if (!get) return MethodNotAllowed(request, "GET", info);
    const bool ok = seg[2] == "live" ? server_.IsLive() : server_.IsReady();
    return MakeResponse(ok ? bhttp::status::ok : bhttp::status::bad_request,
                        Dump(json{{seg[2], ok}}));
  }

  // /v2/models/{m}[/versions/{v}][/ready|/config|/infer]
  if (seg[1] == "models" && n >= 3) {
    const std::string& model = seg[2];
    info->model = model;
    int64_t version = kLatestVersion;
    size_t rest = 3;
    if (n >= 5 && seg[3] == "versions") {
      if (!ParseVersion(seg[4], &version)) {
        return ErrorResponse(
            400,
            "model '" + model + "': version must be a non-negative integer, got '" + seg[4] + "'",
            info);
      }
      info->version = seg[4];
      rest = 5;
    }
    if (n == rest) {
      if (!get) return MethodNotAllowed(request, "GET", info);
      StatusOr<ModelMetadata> metadata = server_.GetModelMetadata(model, version);
      if (!metadata.ok()) return ErrorResponse(metadata.status(), info);
      json body = {{"name", metadata->name},
                   {"versions", metadata->versions},
                   {"platform", metadata->platform},
                   {"inputs", TensorMetadataJson(metadata->inputs)},
                   {"outputs", TensorMetadataJson(metadata->outputs)}};
      return MakeResponse(bhttp::status::ok, Dump(body));
    }
    if (n == rest + 1) {
      const std::string& action = seg[rest];
      if (action == "ready") {
        if (!get) return MethodNotAllowed(request, "GET", info);
        StatusOr<bool> ready = server_.IsModelReady(model, version);
        if (!ready.ok()) return ErrorResponse(ready.status(), info);
        return MakeResponse(*ready ? bhttp::status::ok : bhttp::status::bad_request,
                            Dump(json{{"name", model}, {"ready", *ready}}));
      }
      if (action == "config") {
        if (!get) return MethodNotAllowed(request, "GET", info);
        StatusOr<std::string> config = server_.GetModelConfigJson(model, version);
        if (!config.ok()) return ErrorResponse(config.status(), info);
        return MakeResponse(bhttp::status::ok, std::move(config).value());
      }
      if (action == "infer") {
        if (!post) return MethodNotAllowed(request, "POST", info);
        return Infer(request, model, version, info);
      }
      if (action == "infer_async" && jobs_ != nullptr) {
        if (!post) return MethodNotAllowed(request, "POST", info);
        return SubmitJob(request, model, version, info);
      }
    }
    return ErrorResponse(404, "unknown route '" + std::string(request.target()) + "'", info);
  }

  if (seg[1] == "jobs" && jobs_ != nullptr) return Jobs(request, seg, info);

  // Repository extension.
  if (seg[1] == "repository") {
    if (n == 3 && seg[2] == "index") {
      if (!post) return MethodNotAllowed(request, "POST", info);
      StatusOr<json> body = ParseOptionalJsonBody(request.body());
      if (!body.ok()) return ErrorResponse(body.status(), info);
      bool ready_only = false;
      if (auto it = body->find("ready"); it != body->end()) {
        if (!it->is_boolean()) return ErrorResponse(400, "'ready' must be a boolean", info);
        ready_only = it->get<bool>();
      }
      json index = json::array();
      for (const ModelIndexEntry& entry : server_.RepositoryIndex(ready_only)) {
        json item = {{"name", entry.name}, {"state", entry.state}};
        if (!entry.version.empty()) item["version"] = entry.version;
        if (!entry.reason.empty()) item["reason"] = entry.reason;
        index.push_back(std::move(item));
      }
      return MakeResponse(bhttp::status::ok, Dump(index));
    }
    if (n == 5 && seg[2] == "models" && (seg[4] == "load" || seg[4] == "unload")) {
      if (!post) return MethodNotAllowed(request, "POST", info);
      const std::string& model = seg[3];
      info->model = model;
      StatusOr<json> body = ParseOptionalJsonBody(request.body());
      if (!body.ok()) return ErrorResponse(body.status(), info);
      if (auto params = body->find("parameters"); params != body->end() && !params->is_null()) {
        if (!params->is_object()) return ErrorResponse(400, "'parameters' must be an object", info);
        for (auto it = params->begin(); it != params->end(); ++it) {
          if (it.key() == "config" || it.key().rfind("file:", 0) == 0) {
            return ErrorResponse(
                400,
                "load parameter '" + it.key() +
                    "' is not supported: put the model and its config.pbtxt in the repository",
                info);
          }
        }
      }
      Status status = seg[4] == "load" ? server_.LoadModel(model) : server_.UnloadModel(model);
      if (!status.ok()) return ErrorResponse(status, info);
      return MakeResponse(bhttp::status::ok, "");
    }
    return ErrorResponse(404, "unknown route '" + std::string(request.target()) + "'", info);
  }
  return ErrorResponse(404, "unknown route '" + std::string(request.target()) + "'", info);
}

StatusOr<ParsedInferRequest> Router::ParseInfer(const Request& request, const std::string& model,
                                                int64_t version, RequestInfo* info) const {
  info->inference = true;
  const std::string& body = request.body();
  if (auto encoding = request.find(bhttp::field::content_encoding);
      encoding != request.end() && !encoding->value().empty() && encoding->value() != "identity") {
    return InvalidArgument("Content-Encoding '" + std::string(encoding->value()) +
                           "' is not supported; send the request uncompressed");
  }
  std::optional<size_t> json_length;
  if (auto header = request.find("Inference-Header-Content-Length"); header != request.end()) {
    ASSIGN_OR_RETURN(json_length, ParseInferenceHeaderLength(ToStd(header->value()), body.size()));
  }
  StatusOr<ParsedInferRequest> parsed = ParseInferRequest(body, json_length, model, version, options_);
  if (!parsed.ok()) {
    // A request that never reached the core is counted here, but only for a model the server knows,
    // so that made-up names cannot grow the metrics without bound.
    if (server_.IsModelReady(model, version).ok()) {
      server_.metrics().RecordFailure(
          model, version == kLatestVersion ? "" : std::to_string(version), "invalid_argument");
    }
    return parsed.status();
  }
  info->request_id = parsed->request.id;
  return parsed;
}

Response Router::RenderInfer(const InferenceResponse& response, const OutputEncoding& encoding,
                             RequestInfo* info) const {
  info->version = std::to_string(response.model_version);
  info->batch_size = response.batch_size;
  StatusOr<RenderedResponse> rendered = RenderInferResponse(response, encoding);
  if (!rendered.ok()) return ErrorResponse(rendered.status(), info);
  const std::optional<size_t> out_json_length = rendered->json_length;
  Response res = MakeResponse(bhttp::status::ok, std::move(rendered->body),
                              out_json_length ? "application/octet-stream" : kJson);
  if (out_json_length) res.set("Inference-Header-Content-Length", std::to_string(*out_json_length));
  return res;
}

std::vector<std::string> Router::Extensions() const {
  std::vector<std::string> extensions = server_.Extensions();
  if (jobs_ != nullptr) extensions.push_back("async_jobs");
  return extensions;
}

void Router::HandleAsync(const Request& request, RequestInfo* info, bool allow_direct,
                         std::function<void(Response)> done) const {
  // Only POST /v2/models/{m}[/versions/{v}]/infer goes asynchronous; the rest answers now.
  std::vector<std::string> seg;
  if (request.method() != bhttp::verb::post || !SplitPath(ToStd(request.target()), &seg) ||
      seg.size() < 4 || seg[0] != "v2" || seg[1] != "models" || seg.back() != "infer" ||
      !(seg.size() == 4 || (seg.size() == 6 && seg[3] == "versions"))) {
    return done(Handle(request, info));
  }
  const std::string model = seg[2];
  info->model = model;
  int64_t version = kLatestVersion;
  if (seg.size() == 6) {
    if (!ParseVersion(seg[4], &version)) return done(Handle(request, info));  // Handle words the error
    info->version = seg[4];
  }
  StatusOr<ParsedInferRequest> parsed = [&]() -> StatusOr<ParsedInferRequest> {
    try {
      return ParseInfer(request, model, version, info);
    } catch (const std::bad_alloc&) {
      return Internal("out of memory while parsing the request");
    }
  }();
  if (!parsed.ok()) return done(ErrorResponse(parsed.status(), info));
  auto encoding = std::make_shared<const OutputEncoding>(std::move(parsed->encoding));
  std::string id = parsed->request.id;
  parsed->request.allow_direct = allow_direct;
  server_.InferAsync(
      std::move(parsed->request),
      [this, info, encoding, id = std::move(id), done = std::move(done)](StatusOr<InferenceResponse> response) {
        Response res;
        try {
          if (!response.ok()) {
            res = ErrorResponse(response.status(), info);
          } else {
            if (response->id.empty()) response->id = id;
            const InferenceTimings& t = response->timings;
            info->compute_us = t.compute_input_us + t.compute_infer_us + t.compute_output_us;
            res = RenderInfer(*response, *encoding, info);
          }
        } catch (const std::bad_alloc&) {
          res = ErrorResponse(500, "out of memory while writing the response", info);
        }
        done(std::move(res));
      });
}

Response Router::Infer(const Request& request, const std::string& model, int64_t version,
                       RequestInfo* info) const {
  StatusOr<ParsedInferRequest> parsed = ParseInfer(request, model, version, info);
  if (!parsed.ok()) return ErrorResponse(parsed.status(), info);
  const OutputEncoding encoding = std::move(parsed->encoding);
  const std::string id = parsed->request.id;
  StatusOr<InferenceResponse> response = server_.Infer(std::move(parsed->request));
  if (!response.ok()) return ErrorResponse(response.status(), info);
  if (response->id.empty()) response->id = id;
  const InferenceTimings& t = response->timings;
  info->compute_us = t.compute_input_us + t.compute_infer_us + t.compute_output_us;
  return RenderInfer(*response, encoding, info);
}

namespace {

std::string Rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json JobJson(const JobSnapshot& job) {
  json j = {{"id", job.id},
            {"status", std::string(JobStateName(job.state))},
            {"model_name", job.model_name},
            {"submitted", Rfc3339(job.submitted)}};
  if (job.model_version != kLatestVersion) j["model_version"] = std::to_string(job.model_version);
  if (job.finished) j["finished"] = Rfc3339(*job.finished);
  if (job.response) j["model_version"] = std::to_string(job.response->model_version);
  if (job.state == JobState::kFailed) {
    j["error"] = job.error.message();
    j["error_status"] = StatusCodeToHttp(job.error.code());
  }
  return j;
}

// "wait_ms" from the target's query string: 0 when absent; capped so a request cannot hold a
// worker thread for long.
StatusOr<int64_t> WaitMillis(std::string_view target) {
  constexpr int64_t kMaxWaitMs = 60000;
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return 0;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.substr(0, 8) != "wait_ms=") continue;
    std::string_view value = pair.substr(8);
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (ec != std::errc() || end != value.data() + value.size() || ms < 0) {
      return InvalidArgument("query parameter 'wait_ms' must be a non-negative integer, got '" +
                             std::string(value) + "'");
    }
    return std::min(ms, kMaxWaitMs);
  }
  return 0;
}

}  // namespace

Response Router::SubmitJob(const Request& request, const std::string& model, int64_t version,
                           RequestInfo* info) const {
  StatusOr<ParsedInferRequest> parsed = ParseInfer(request, model, version, info);
  if (!parsed.ok()) return ErrorResponse(parsed.status(), info);
  // Unknown models are refused now rather than becoming a failed job.
  if (StatusOr<bool> ready = server_.IsModelReady(model, version); !ready.ok()) {
    return ErrorResponse(ready.status(), info);
  }
  auto encoding = std::make_shared<const OutputEncoding>(std::move(parsed->encoding));
  StatusOr<std::string> id = jobs_->Submit(std::move(parsed->request), encoding);
  if (!id.ok()) return ErrorResponse(id.status(), info);
  Response res = MakeResponse(bhttp::status::accepted,
                              Dump(json{{"id", *id}, {"status", "PENDING"}, {"model_name", model}}));
  res.set(bhttp::field::location, "/v2/jobs/" + *id);
  return res;
}

Response Router::Jobs(const Request& request, const std::vector<std::string>& seg,
                      RequestInfo* info) const {
  const bhttp::verb method = request.method();
  const bool get = method == bhttp::verb::get || method == bhttp::verb::head;
  const size_t n = seg.size();
  if (n == 2) {  // /v2/jobs
    if (!get) return MethodNotAllowed(request, "GET", info);
    json list = json::array();
    for (const JobSnapshot& job : jobs_->List()) list.push_back(JobJson(job));
    return MakeResponse(bhttp::status::ok, Dump(list));
  }
  const std::string& id = seg[2];
  if (n == 3) {  // /v2/jobs/{id}
    if (method == bhttp::verb::delete_) {
      Status deleted = jobs_->Delete(id);
      if (!deleted.ok()) return ErrorResponse(deleted, info);
      return MakeResponse(bhttp::status::ok, "");
    }
    if (!get) return MethodNotAllowed(request, "GET, DELETE", info);
    StatusOr<JobSnapshot> job = jobs_->Get(id);
    if (!job.ok()) return ErrorResponse(job.status(), info);
    info->model = job->model_name;
    return MakeResponse(bhttp::status::ok, Dump(JobJson(*job)));
  }
  if (n == 4 && seg[3] == "result") {
    if (!get) return MethodNotAllowed(request, "GET", info);
    StatusOr<int64_t> wait = WaitMillis(ToStd(request.target()));
    if (!wait.ok()) return ErrorResponse(wait.status(), info);
    StatusOr<JobSnapshot> job = jobs_->Get(id, std::chrono::milliseconds(*wait));
    if (!job.ok()) return ErrorResponse(job.status(), info);
    info->model = job->model_name;
    if (job->state == JobState::kPending) {
      Response res = MakeResponse(bhttp::status::accepted, Dump(JobJson(*job)));
      res.set(bhttp::field::retry_after, "1");
      return res;
    }
    info->inference = true;
    if (job->state == JobState::kFailed) return ErrorResponse(job->error, info);
    info->request_id = job->response->id;
    const auto* encoding = static_cast<const OutputEncoding*>(job->context.get());
    return RenderInfer(*job->response, encoding ? *encoding : OutputEncoding{}, info);
  }
  return ErrorResponse(404, "unknown route '" + std::string(request.target()) + "'", info);
}

}  // namespace berth::http
