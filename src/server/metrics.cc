#include "server/metrics.h"

#include <dirent.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <shared_mutex>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/inference_server.h"

namespace berth {

// The series of one (model, version); pointers into the families, which own them for the registry's
// lifetime.
struct ModelSeries {
  prometheus::Counter* success = nullptr;
  prometheus::Counter* inference_count = nullptr;
  prometheus::Counter* exec_count = nullptr;
  prometheus::Histogram* request_us = nullptr;
  prometheus::Histogram* queue_us = nullptr;
  prometheus::Histogram* compute_input_us = nullptr;
  prometheus::Histogram* compute_infer_us = nullptr;
  prometheus::Histogram* compute_output_us = nullptr;
  prometheus::Histogram* batch_rows = nullptr;
  prometheus::Histogram* batch_requests = nullptr;
  prometheus::Gauge* queued = nullptr;
  prometheus::Gauge* inflight = nullptr;  // berth_inference_pending_request_count (labelled by model only)
};

namespace {

// Latency buckets in microseconds: 10 µs (a tiny model's compute) to 10 s (a large model on a busy
// CPU), roughly 1-2.5-5 per decade so that p50/p99 interpolation stays within a factor of 2.5.
prometheus::Histogram::BucketBoundaries LatencyBucketsUs() {
  return {10,    25,    50,     100,    250,    500,     1000,    2500,    5000,    10000,
          25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
}


// Batch sizes (rows, or requests per execution): powers of two up to 1024.
prometheus::Histogram::BucketBoundaries BatchSizeBuckets() {
  return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
}

// Reads the process's CPU time (user + system, seconds) and resident set size (bytes) from /proc.
// Both are cheap (one small file each) and only happen on a scrape.
bool ReadProcessStats(double* cpu_seconds, double* rss_bytes, double* vsize_bytes) {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  // The command name (field 2) may contain spaces and parentheses: fields restart after the last
  // ')'.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  // Fields from 3 (state) on; utime is 14, stime 15, vsize 23, rss 24 (pages).
  unsigned long long utime = 0, stime = 0, vsize = 0;
  long long rss_pages = 0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) stime = std::stoull(field);
    if (index == 23) vsize = std::stoull(field);
    if (index == 24) {
      rss_pages = std::stoll(field);
      break;
    }
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  *cpu_seconds = static_cast<double>(utime + stime) / (ticks > 0 ? ticks : 100.0);
  *rss_bytes = static_cast<double>(rss_pages) * page;
  *vsize_bytes = static_cast<double>(vsize);
  return true;
}

int CountOpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the directory stream itself
}

void AppendProcessMetric(std::string& out, const char* name, const char* type, const char* help,
                         double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += ' ';
  out += buf;
  out += '\n';
}

}  // namespace

namespace {
std::atomic<uint64_t> g_next_metrics_id{1};
}  // namespace

struct ServerMetrics::Impl {
  const uint64_t id = g_next_metrics_id.fetch_add(1);  // never reused: keys per-thread caches
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  double start_time_seconds =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();

  prometheus::Family<prometheus::Counter>& success =
      prometheus::BuildCounter()
          .Name("berth_inference_request_success")
          .Help("Number of successful inference requests")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& failure =
      prometheus::BuildCounter()
          .Name("berth_inference_request_failure")
          .Help("Number of failed inference requests, by reason")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& inference_count =
      prometheus::BuildCounter()
          .Name("berth_inference_count")
          .Help("Number of inferences performed (a request with batch size N counts N)")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& exec_count =
      prometheus::BuildCounter()
          .Name("berth_inference_exec_count")
          .Help("Number of model executions performed")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& request_us =
      prometheus::BuildHistogram()
          .Name("berth_inference_request_duration_us")
          .Help("End-to-end inference request latency in microseconds")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& queue_us =
      prometheus::BuildHistogram()
          .Name("berth_inference_queue_duration_us")
          .Help("Time requests spent waiting in the queue, in microseconds")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& compute_input_us =
      prometheus::BuildHistogram()
          .Name("berth_inference_compute_input_duration_us")
          .Help("Time spent preparing inputs, in microseconds")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& compute_infer_us =
      prometheus::BuildHistogram()
          .Name("berth_inference_compute_infer_duration_us")
          .Help("Time spent executing the model, in microseconds")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& compute_output_us =
      prometheus::BuildHistogram()
          .Name("berth_inference_compute_output_duration_us")
          .Help("Time spent preparing outputs, in microseconds")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& pending =
      prometheus::BuildGauge()
          .Name("berth_inference_pending_request_count")
          .Help("Inference requests received and not yet answered (in flight)")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& batch_rows =
      prometheus::BuildHistogram()
          .Name("berth_inference_batch_size")
          .Help("Rows (batch size) of each model execution")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& batch_requests =
      prometheus::BuildHistogram()
          .Name("berth_inference_batch_requests")
          .Help("Requests combined into each model execution by the dynamic batcher")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& queued =
      prometheus::BuildGauge()
          .Name("berth_inference_queued_request_count")
          .Help("Requests waiting in the model's scheduler queue (not yet executing)")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& cache_hits =
      prometheus::BuildCounter()
          .Name("berth_cache_hits_total")
          .Help("Response cache hits")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& cache_misses =
      prometheus::BuildCounter()
          .Name("berth_cache_misses_total")
          .Help("Response cache misses")
          .Register(*registry);
  prometheus::Counter& cache_evictions = prometheus::BuildCounter()
                                             .Name("berth_cache_evictions_total")
                                             .Help("Response cache entries evicted to stay within the budget")
                                             .Register(*registry)
                                             .Add({});
  prometheus::Gauge& cache_bytes = prometheus::BuildGauge()
                                        .Name("berth_cache_size_bytes")
                                        .Help("Bytes held by the response cache (inputs kept to verify hits, outputs)")
                                        .Register(*registry)
                                        .Add({});
  prometheus::Gauge& cache_entries = prometheus::BuildGauge()
                                          .Name("berth_cache_entries")
                                          .Help("Entries in the response cache")
                                          .Register(*registry)
                                          .Add({});
  prometheus::Family<prometheus::Gauge>& model_ready =
      prometheus::BuildGauge()
          .Name("berth_model_ready")
          .Help("1 when the model version is loaded and ready, 0 otherwise")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& load_failures =
      prometheus::BuildCounter()
          .Name("berth_model_load_failures_total")
          .Help("Number of failed model loads")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& open_connections =
      prometheus::BuildGauge()
          .Name("berth_open_connections")
          .Help("Open client connections, by protocol")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& http_requests =
      prometheus::BuildCounter()
          .Name("berth_http_requests_total")
          .Help("HTTP requests answered, by method and status code")
          .Register(*registry);

  // Series are looked up once per label set and then reached through these caches, so the hot path
  // costs a shared lock and a hash lookup instead of prometheus-cpp's label map under a mutex.
  mutable std::shared_mutex series_mutex;
  std::unordered_map<std::string, ModelSeries> series;                   // guarded by series_mutex
  std::unordered_map<std::string, prometheus::Gauge*> pending_by_model;  // guarded by series_mutex
  std::unordered_map<std::string, prometheus::Counter*> http_by_key;     // guarded by series_mutex

  template <typename Metric>
  Metric& Cached(std::unordered_map<std::string, Metric*>& cache, const std::string& key,
                 prometheus::Family<Metric>& family, const prometheus::Labels& labels) {
    {
      std::shared_lock lock(series_mutex);
      auto it = cache.find(key);
      if (it != cache.end()) return *it->second;
    }
    std::unique_lock lock(series_mutex);
    auto [it, inserted] = cache.try_emplace(key, nullptr);
    if (inserted) it->second = &family.Add(labels);
    return *it->second;
  }

  ModelSeries& Series(const std::string& model, const std::string& version) {
    std::string key = model;
    key += '\0';
    key += version;
    {
      std::shared_lock lock(series_mutex);
      auto it = series.find(key);
      if (it != series.end()) return it->second;
    }
    std::unique_lock lock(series_mutex);
    auto [it, inserted] = series.try_emplace(key);
    if (inserted) {
      const prometheus::Labels labels = {{"model", model}, {"version", version}};
      ModelSeries& s = it->second;
      s.success = &success.Add(labels);
      s.inference_count = &inference_count.Add(labels);
      s.exec_count = &exec_count.Add(labels);
      s.request_us = &request_us.Add(labels, LatencyBucketsUs());
      s.queue_us = &queue_us.Add(labels, LatencyBucketsUs());
      s.compute_input_us = &compute_input_us.Add(labels, LatencyBucketsUs());
      s.compute_infer_us = &compute_infer_us.Add(labels, LatencyBucketsUs());
      s.compute_output_us = &compute_output_us.Add(labels, LatencyBucketsUs());
      s.batch_rows = &batch_rows.Add(labels, BatchSizeBuckets());
      s.batch_requests = &batch_requests.Add(labels, BatchSizeBuckets());
      s.queued = &queued.Add(labels);
      // (series_mutex is held: the pending-request gauge is looked up here, not through Cached.)
      auto [pending_it, pending_new] = pending_by_model.try_emplace(model, nullptr);
      if (pending_new) pending_it->second = &pending.Add({{"model", model}});
      s.inflight = pending_it->second;
    }
    return it->second;
  }
};

ServerMetrics::ServerMetrics() : impl_(std::make_unique<Impl>()) {}
ServerMetrics::~ServerMetrics() = default;

ModelMetrics ServerMetrics::ForModel(const std::string& model, const std::string& version) {
  return ModelMetrics(&impl_->Series(model, version));
}

void ModelMetrics::RecordSuccess(int64_t batch_size, int64_t request_us, const InferenceTimings& timings) const {
  if (series_ == nullptr) return;
  series_->success->Increment();
  series_->inference_count->Increment(static_cast<double>(batch_size > 0 ? batch_size : 1));
  series_->request_us->Observe(static_cast<double>(request_us));
  series_->queue_us->Observe(static_cast<double>(timings.queue_us));
  series_->compute_input_us->Observe(static_cast<double>(timings.compute_input_us));
  series_->compute_infer_us->Observe(static_cast<double>(timings.compute_infer_us));
  series_->compute_output_us->Observe(static_cast<double>(timings.compute_output_us));
}

void ModelMetrics::AddInflight(int64_t delta) const {
  if (series_ != nullptr) series_->inflight->Increment(static_cast<double>(delta));
}

void ModelMetrics::RecordExecution(int64_t rows, int64_t requests) const {
  if (series_ == nullptr) return;
  series_->exec_count->Increment();
  series_->batch_rows->Observe(static_cast<double>(rows));
  series_->batch_requests->Observe(static_cast<double>(requests));
}

void ModelMetrics::AddQueued(int64_t delta) const {
  if (series_ != nullptr) series_->queued->Increment(static_cast<double>(delta));
}

void ServerMetrics::RecordSuccess(const std::string& model, const std::string& version,
                                  int64_t batch_size, int64_t request_us,
                                  const InferenceTimings& timings) {
  ForModel(model, version).RecordSuccess(batch_size, request_us, timings);
}

void ServerMetrics::RecordFailure(const std::string& model, const std::string& version,
                                  const std::string& reason) {
  impl_->failure.Add({{"model", model}, {"version", version}, {"reason", reason}}).Increment();
}

void ServerMetrics::AddInflight(const std::string& model, int64_t delta) {
  impl_->Cached(impl_->pending_by_model, model, impl_->pending, {{"model", model}})
      .Increment(static_cast<double>(delta));
}

void ServerMetrics::RecordExecution(const std::string& model, const std::string& version, int64_t rows,
                                    int64_t requests) {
  ForModel(model, version).RecordExecution(rows, requests);
}

void ServerMetrics::AddQueued(const std::string& model, const std::string& version, int64_t delta) {
  ForModel(model, version).AddQueued(delta);
}

void ServerMetrics::RecordCacheLookup(const std::string& model, const std::string& version, bool hit) {
  // Family::Add returns the existing series (under prometheus-cpp's lock); only models with a cache
  // get these series.
  (hit ? impl_->cache_hits : impl_->cache_misses).Add({{"model", model}, {"version", version}}).Increment();
}

void ServerMetrics::RecordCacheEvictions(int64_t count) {
  if (count > 0) impl_->cache_evictions.Increment(static_cast<double>(count));
}

void ServerMetrics::SetCacheUsage(int64_t bytes, int64_t entries) {
  impl_->cache_bytes.Set(static_cast<double>(bytes));
  impl_->cache_entries.Set(static_cast<double>(entries));
}

void ServerMetrics::SetModelReady(const std::string& model, const std::string& version,
                                  bool ready) {
  impl_->model_ready.Add({{"model", model}, {"version", version}}).Set(ready ? 1.0 : 0.0);
}

void ServerMetrics::RecordLoadFailure(const std::string& model) {
  impl_->load_failures.Add({{"model", model}}).Increment();
}

void ServerMetrics::AddOpenConnections(const std::string& protocol, int64_t delta) {
  impl_->open_connections.Add({{"protocol", protocol}}).Increment(static_cast<double>(delta));
}

void ServerMetrics::RecordHttpRequest(std::string_view method, int status_code) {
  // Each network thread remembers the few (method, code) series it has used, so a request costs
  // neither a string nor the shared lock. Entries of a ServerMetrics that is gone never match: ids
  // are not reused.
  struct Entry {
    uint64_t owner;
    int code;
    std::string method;
    prometheus::Counter* counter;
  };
  thread_local std::vector<Entry> cache;
  for (const Entry& e : cache) {
    if (e.owner == impl_->id && e.code == status_code && e.method == method) {
      e.counter->Increment();
      return;
    }
  }
  const std::string code = std::to_string(status_code);
  std::string name(method);
  prometheus::Counter& counter = impl_->Cached(impl_->http_by_key, name + ' ' + code,
                                               impl_->http_requests, {{"method", name}, {"code", code}});
  if (cache.size() >= 64) cache.erase(cache.begin());  // bounded: odd methods/codes rotate out
  cache.push_back(Entry{impl_->id, status_code, std::move(name), &counter});
  counter.Increment();
}

std::string ServerMetrics::Serialize() const {
  std::string out = prometheus::TextSerializer().Serialize(impl_->registry->Collect());
  double cpu = 0, rss = 0, vsize = 0;
  if (ReadProcessStats(&cpu, &rss, &vsize)) {
    AppendProcessMetric(out, "process_cpu_seconds_total", "counter",
                        "Total user and system CPU time spent in seconds.", cpu);
    AppendProcessMetric(out, "process_resident_memory_bytes", "gauge",
                        "Resident memory size in bytes.", rss);
    AppendProcessMetric(out, "process_virtual_memory_bytes", "gauge",
                        "Virtual memory size in bytes.", vsize);
  }
  const int fds = CountOpenFds();
  if (fds >= 0) {
    AppendProcessMetric(out, "process_open_fds", "gauge", "Number of open file descriptors.", fds);
  }
  AppendProcessMetric(out, "process_start_time_seconds", "gauge",
                      "Start time of the process since unix epoch in seconds.",
                      impl_->start_time_seconds);
  return out;
}

prometheus::Registry& ServerMetrics::registry() { return *impl_->registry; }

}  // namespace berth
