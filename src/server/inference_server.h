#pragma once
// InferenceServer: the one narrow interface that front ends (HTTP, gRPC, the CLI) use to reach the
// core. Front ends parse their protocol into an InferenceRequest and render the InferenceResponse;
// they never see sessions, kernels or the repository's internals, and the core never sees HTTP.
// Thread-safety: every method is safe to call from many threads at once.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "berth/status.h"
#include "berth/tensor.h"

namespace berth {

class ServerMetrics;
class ModelManager;

// A version selector from the protocol: unset (-1) means "the policy's latest ready version".
constexpr int64_t kLatestVersion = -1;

struct ServerOptions {
  std::string model_repository = "./models";
  // Models to load at start-up; empty = every model found in the repository.
  std::vector<std::string> startup_models;
  // true: models are only loaded/unloaded through the repository API (Triton's --model-control-mode=explicit).
  bool explicit_model_control = false;
  // Largest number of elements a single request tensor may have.
  int64_t max_tensor_elements = int64_t{1} << 28;
  // Byte budget of the response cache shared by the models that enable it (response_cache
  // { enable: true } in config.pbtxt); least recently used entries are evicted. 0: no cache.
  int64_t cache_size_bytes = int64_t{64} << 20;
};

struct TensorMetadata {
  std::string name;
  std::string datatype;        // KServe v2 name: "FP32", "INT64", "BYTES", ...
  std::vector<int64_t> shape;  // -1 for a dynamic dimension
};

struct ModelMetadata {
  std::string name;
  std::vector<std::string> versions;  // ready versions, ascending
  std::string platform;               // "onnxruntime_onnx" for compatibility with Triton clients
  std::vector<TensorMetadata> inputs;
  std::vector<TensorMetadata> outputs;
};

struct ModelIndexEntry {
  std::string name;
  std::string version;  // "" when the model has no loaded version
  std::string state;    // "READY", "LOADING", "UNLOADING", "UNAVAILABLE"
  std::string reason;   // why it is unavailable, if it is
};

struct InferTensor {
  std::string name;
  Tensor tensor;
};

struct InferenceRequest {
  std::string model_name;
  int64_t model_version = kLatestVersion;
  std::string id;  // echoed in the response
  std::vector<InferTensor> inputs;
  std::vector<std::string> requested_outputs;  // empty: all outputs, in model order
  // Scheduling parameters ("priority", "timeout" in the request's parameters): priority 0 means the
  // model's default level (1 is the highest); timeout_us 0 means the model's default queue timeout.
  int64_t priority = 0;
  int64_t timeout_us = 0;
  std::chrono::steady_clock::time_point arrival = std::chrono::steady_clock::now();
  // The caller accepts running the model on its own thread when the model is idle (see
  // SchedulerRequest::allow_direct): front ends set it for models known to answer quickly.
  bool allow_direct = false;
};

struct InferenceTimings {
  int64_t queue_us = 0;
  int64_t compute_input_us = 0;
  int64_t compute_infer_us = 0;
  int64_t compute_output_us = 0;
};

struct InferenceResponse {
  std::string model_name;
  int64_t model_version = 0;
  std::string id;
  std::vector<InferTensor> outputs;
  InferenceTimings timings;
  int64_t batch_size = 1;
};

class InferenceServer {
 public:
  virtual ~InferenceServer() = default;

  // Scans the repository and loads the startup models. A model that fails to load is reported (log,
  // metric, index state) but does not fail Create(); a missing/unreadable repository does.
  static StatusOr<std::unique_ptr<InferenceServer>> Create(const ServerOptions& options);

  virtual bool IsLive() const = 0;
  // Ready: accepting requests and every model that should be served is loaded.
  virtual bool IsReady() const = 0;

  virtual std::string ServerName() const = 0;      // "berth"
  virtual std::string ServerVersion() const = 0;
  virtual std::vector<std::string> Extensions() const = 0;  // e.g. "binary_tensor_data", "model_repository"

  virtual StatusOr<ModelMetadata> GetModelMetadata(const std::string& name, int64_t version) const = 0;
  // The model's configuration as Triton's JSON form of ModelConfig.
  virtual StatusOr<std::string> GetModelConfigJson(const std::string& name, int64_t version) const = 0;
  // NotFound for unknown models/versions; Ok(false) for known but not ready.
  virtual StatusOr<bool> IsModelReady(const std::string& name, int64_t version) const = 0;

  // Runs a request to completion. Errors name the offending tensor/field, e.g.
  // "input 'x': expected shape [-1,3,224,224], got [1,3,224]". Thread-safe.
  // Scheduling errors: ResourceExhausted (HTTP 429, gRPC RESOURCE_EXHAUSTED) when the model's queue
  // is full; DeadlineExceeded (504) when the request's queue timeout passed before it ran;
  // Unavailable (503) while the version is unloading or the server is draining.
  virtual StatusOr<InferenceResponse> Infer(InferenceRequest request) = 0;

  using InferDone = std::function<void(StatusOr<InferenceResponse>)>;
  // The same without blocking the caller: `done` is called exactly once, on the calling thread (an
  // immediate answer or rejection) or on a model worker thread. It must not block for long (hand the
  // response to the front end's own threads). The default runs Infer on the calling thread.
  virtual void InferAsync(InferenceRequest request, InferDone done) { done(Infer(std::move(request))); }

  virtual std::vector<ModelIndexEntry> RepositoryIndex(bool ready_only) const = 0;
  virtual Status LoadModel(const std::string& name) = 0;
  virtual Status UnloadModel(const std::string& name) = 0;

  // Graceful shutdown: stop accepting new inferences (they get Unavailable), then wait until the
  // in-flight ones finish or the deadline passes. Returns the number still in flight at the end.
  virtual int64_t Drain(std::chrono::milliseconds timeout) = 0;
  virtual int64_t InflightRequests() const = 0;

  virtual ServerMetrics& metrics() = 0;
};

}  // namespace berth
