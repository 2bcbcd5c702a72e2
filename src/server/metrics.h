#pragma once
// ServerMetrics: every Prometheus metric Berth exports, in one registry (prometheus-cpp).
// The core records per-model inference metrics; front ends record connection and HTTP metrics;
// `/metrics` serializes the registry in the Prometheus text format. Names follow Triton's (nv_ ->
// berth_) so existing dashboards need one rename.
// Thread-safety: all methods are thread-safe (prometheus-cpp metrics are atomic).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace prometheus {
class Registry;
}

namespace berth {

struct InferenceTimings;
struct ModelSeries;

// The metric series of one model version, looked up once (when the version is loaded) so that the
// request path only updates atomics: looking the series up by name on every request (a string key,
// a shared lock, a hash lookup, three times per request) was half of what recording cost. A
// default-constructed handle records nothing. Cheap to copy; valid as long as the ServerMetrics.
class ModelMetrics {
 public:
  ModelMetrics() = default;
  void RecordSuccess(int64_t batch_size, int64_t request_us, const InferenceTimings& timings) const;
  void AddInflight(int64_t delta) const;
  void RecordExecution(int64_t rows, int64_t requests) const;
  void AddQueued(int64_t delta) const;

 private:
  friend class ServerMetrics;
  explicit ModelMetrics(ModelSeries* series) : series_(series) {}
  ModelSeries* series_ = nullptr;
};


class ServerMetrics {
 public:
  ServerMetrics();
  ~ServerMetrics();

  // A request that completed successfully: request and inference counts (batch_size each), and
  // latency histograms in microseconds. Model executions are counted by RecordExecution: with
  // dynamic batching one execution serves several requests, and a cache hit needs none (Triton's
  // inference count vs execution count).
  void RecordSuccess(const std::string& model, const std::string& version, int64_t batch_size,
                     int64_t request_us, const InferenceTimings& timings);
  // A request that failed; `reason` is a short label: "invalid_argument", "not_found", "unavailable",
  // "timeout", "queue_full", "internal", ...
  void RecordFailure(const std::string& model, const std::string& version, const std::string& reason);
  void AddInflight(const std::string& model, int64_t delta);
  // The handle of (model, version)'s series, made on first use (the by-name calls here use it too).
  ModelMetrics ForModel(const std::string& model, const std::string& version);

  // Scheduler: one model execution of `rows` rows combining `requests` requests (batch-size
  // histogram), and requests waiting in the model's queue.
  void RecordExecution(const std::string& model, const std::string& version, int64_t rows, int64_t requests);
  void AddQueued(const std::string& model, const std::string& version, int64_t delta);

  // Response cache: lookups by outcome per model, evictions, and the cache's size.
  void RecordCacheLookup(const std::string& model, const std::string& version, bool hit);
  void RecordCacheEvictions(int64_t count);
  void SetCacheUsage(int64_t bytes, int64_t entries);

  // Model lifecycle: 1 when the version is ready, 0 otherwise; load failures are counted.
  void SetModelReady(const std::string& model, const std::string& version, bool ready);
  void RecordLoadFailure(const std::string& model);

  // Front ends.
  void AddOpenConnections(const std::string& protocol, int64_t delta);
  void RecordHttpRequest(std::string_view method, int status_code);

  // Prometheus text exposition of everything, including process CPU seconds and resident memory
  // (read from /proc at call time).
  std::string Serialize() const;

  prometheus::Registry& registry();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth
