#pragma once
// CoreServer: the InferenceServer that front ends talk to. It owns the metrics and the ModelManager,
// checks every request against the model's configuration before it reaches the engine, runs it, and
// keeps the count of requests in flight for graceful shutdown.
//
// Start-up: every model in the repository is loaded, unless ServerOptions::startup_models names some
// ("*" meaning all) or explicit_model_control is set (then only startup_models are loaded, as Triton's
// --model-control-mode=explicit with --load-model). Load/UnloadModel work in both modes.
//
// Thread-safety: every method is thread-safe (see InferenceServer).

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "berth/value.h"
#include "server/inference_server.h"

namespace berth {

class Value;
class ResponseCache;
struct LoadedModel;

// A request checked against its model and turned into what the model is fed.
struct PreparedRequest {
  std::vector<std::pair<std::string, Value>> feeds;  // model input order, reshaped as config.pbtxt says
  std::vector<size_t> outputs;                       // indices into LoadedModel::outputs, response order
  int64_t batch_size = 1;                            // dimension 0 with max_batch_size > 0, else 1
  std::chrono::steady_clock::time_point start, inputs_ready;
};

class CoreServer final : public InferenceServer {
 public:
  static StatusOr<std::unique_ptr<CoreServer>> Create(const ServerOptions& options);
  ~CoreServer() override;

  bool IsLive() const override { return true; }
  bool IsReady() const override;

  std::string ServerName() const override { return "berth"; }
  std::string ServerVersion() const override;
  std::vector<std::string> Extensions() const override;

  StatusOr<ModelMetadata> GetModelMetadata(const std::string& name, int64_t version) const override;
  StatusOr<std::string> GetModelConfigJson(const std::string& name, int64_t version) const override;
  StatusOr<bool> IsModelReady(const std::string& name, int64_t version) const override;

  // Infer waits for InferAsync. InferAsync checks the request, answers from the response cache when
  // the model has it enabled, and otherwise queues it on the model version's scheduler; `done` runs
  // on a scheduler worker thread (or on this thread for an immediate answer or rejection).
  StatusOr<InferenceResponse> Infer(InferenceRequest request) override;
  void InferAsync(InferenceRequest request, InferDone done) override;

  std::vector<ModelIndexEntry> RepositoryIndex(bool ready_only) const override;
  Status LoadModel(const std::string& name) override;
  Status UnloadModel(const std::string& name) override;

  int64_t Drain(std::chrono::milliseconds timeout) override;
  int64_t InflightRequests() const override { return inflight_.load(); }

  ServerMetrics& metrics() override { return *metrics_; }

 private:
  explicit CoreServer(const ServerOptions& options);

  StatusOr<PreparedRequest> Prepare(const LoadedModel& model, InferenceRequest& request) const;
  static StatusOr<InferenceResponse> BuildResponse(const LoadedModel& model, const std::string& id,
                                                   const PreparedRequest& prepared, std::vector<Value> results);
  // Runs on the caller's thread; only for a LoadedModel without a scheduler (every loaded model
  // has one: LoadModelVersion starts it).
  static StatusOr<std::vector<Value>> Execute(const LoadedModel& model,
                                              std::vector<std::pair<std::string, Value>> inputs);
  void FinishRequest();

  const ServerOptions options_;
  std::unique_ptr<ServerMetrics> metrics_;  // declared before manager_: outlives it
  std::unique_ptr<ResponseCache> cache_;    // null when ServerOptions::cache_size_bytes is 0
  std::unique_ptr<ModelManager> manager_;

  // Start-up models that were named but have no folder: the server is not ready while any remain.
  mutable std::mutex missing_mutex_;
  std::set<std::string> missing_startup_models_;

  std::atomic<bool> accepting_{true};
  std::atomic<int64_t> inflight_{0};
  std::mutex drain_mutex_;
  std::condition_variable drained_;
};

}  // namespace berth
