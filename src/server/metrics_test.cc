// ServerMetrics: the series Berth exports and their Prometheus text form.
#include "server/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "server/inference_server.h"

namespace berth {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(ServerMetrics, RecordsCountsHistogramsAndGauges) {
  ServerMetrics metrics;
  InferenceTimings timings{5, 20, 300, 40};
  metrics.RecordSuccess("m", "1", 4, 400, timings);
  metrics.RecordSuccess("m", "1", 2, 30000, timings);
  metrics.RecordExecution("m", "1", 6, 2);  // one execution served both requests
  metrics.RecordFailure("m", "1", "invalid_argument");
  metrics.RecordFailure("m", "1", "queue_full");
  metrics.AddQueued("m", "1", 3);
  metrics.AddQueued("m", "1", -2);
  metrics.RecordCacheLookup("m", "1", true);
  metrics.RecordCacheLookup("m", "1", false);
  metrics.RecordCacheLookup("m", "1", false);
  metrics.RecordCacheEvictions(4);
  metrics.SetCacheUsage(1000, 3);
  metrics.AddInflight("m", 2);
  metrics.AddInflight("m", -1);
  metrics.SetModelReady("m", "1", true);
  metrics.RecordLoadFailure("broken");
  metrics.AddOpenConnections("http", 3);
  metrics.RecordHttpRequest("POST", 200);
  metrics.RecordHttpRequest("POST", 200);
  const std::string text = metrics.Serialize();
  EXPECT_TRUE(Has(text, "berth_inference_request_success{model=\"m\",version=\"1\"} 2")) << text;
  EXPECT_TRUE(Has(text, "berth_inference_count{model=\"m\",version=\"1\"} 6"));
  EXPECT_TRUE(Has(text, "berth_inference_exec_count{model=\"m\",version=\"1\"} 1"));
  EXPECT_TRUE(Has(text, "berth_inference_batch_size_bucket{model=\"m\",version=\"1\",le=\"4\"} 0"));
  EXPECT_TRUE(Has(text, "berth_inference_batch_size_bucket{model=\"m\",version=\"1\",le=\"8\"} 1"));
  EXPECT_TRUE(Has(text, "berth_inference_batch_requests_sum{model=\"m\",version=\"1\"} 2"));
  EXPECT_TRUE(Has(text, "berth_inference_queued_request_count{model=\"m\",version=\"1\"} 1"));
  EXPECT_TRUE(Has(
      text, "berth_inference_request_failure{model=\"m\",reason=\"queue_full\",version=\"1\"} 1"));
  EXPECT_TRUE(Has(text, "berth_cache_hits_total{model=\"m\",version=\"1\"} 1"));
  EXPECT_TRUE(Has(text, "berth_cache_misses_total{model=\"m\",version=\"1\"} 2"));
  EXPECT_TRUE(Has(text, "berth_cache_evictions_total 4"));
  EXPECT_TRUE(Has(text, "berth_cache_size_bytes 1000"));
  EXPECT_TRUE(Has(text, "berth_cache_entries 3"));
  EXPECT_TRUE(Has(
      text,
      "berth_inference_request_failure{model=\"m\",reason=\"invalid_argument\",version=\"1\"} 1"));
  EXPECT_TRUE(Has(
      text, "berth_inference_request_duration_us_bucket{model=\"m\",version=\"1\",le=\"500\"} 1"));
  EXPECT_TRUE(
      Has(text,
          "berth_inference_request_duration_us_bucket{model=\"m\",version=\"1\",le=\"50000\"} 2"));
  EXPECT_TRUE(
      Has(text, "berth_inference_request_duration_us_sum{model=\"m\",version=\"1\"} 30400"));
  EXPECT_TRUE(
      Has(text, "berth_inference_compute_infer_duration_us_count{model=\"m\",version=\"1\"} 2"));
  EXPECT_TRUE(Has(text, "berth_inference_pending_request_count{model=\"m\"} 1"));
  EXPECT_TRUE(Has(text, "berth_model_ready{model=\"m\",version=\"1\"} 1"));
  EXPECT_TRUE(Has(text, "berth_model_load_failures_total{model=\"broken\"} 1"));
  EXPECT_TRUE(Has(text, "berth_open_connections{protocol=\"http\"} 3"));
  EXPECT_TRUE(Has(text, "berth_http_requests_total{code=\"200\",method=\"POST\"} 2"));
  EXPECT_TRUE(Has(text, "# TYPE process_cpu_seconds_total counter"));
  EXPECT_NE(text.find("\nprocess_resident_memory_bytes "), std::string::npos);
}

TEST(ServerMetrics, ConcurrentUpdatesAreCounted) {
  ServerMetrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < 1000; ++i) {
        metrics.RecordSuccess("m" + std::to_string(i % 3), "1", 1, i, InferenceTimings{});
        metrics.RecordHttpRequest(t % 2 ? "GET" : "POST", 200);
      }
    });
  }
  for (auto& t : threads) t.join();
  const std::string text = metrics.Serialize();
  EXPECT_TRUE(Has(text, "berth_inference_request_success{model=\"m0\",version=\"1\"} 1336"))
      << text;
  EXPECT_TRUE(Has(text, "berth_http_requests_total{code=\"200\",method=\"GET\"} 2000"));
}

}  // namespace
}  // namespace berth

namespace berth {
namespace {

// HTTP request counters are remembered per thread; each ServerMetrics must still count only its own.
TEST(ServerMetrics, HttpRequestCountsStayWithTheirRegistry) {
  for (int round = 0; round < 3; ++round) {  // new registries, possibly at the same address
    auto metrics = std::make_unique<ServerMetrics>();
    for (int i = 0; i <= round; ++i) metrics->RecordHttpRequest("POST", 200);
    metrics->RecordHttpRequest(std::string("GET"), 404);
    const std::string text = metrics->Serialize();
    EXPECT_NE(text.find("berth_http_requests_total{code=\"200\",method=\"POST\"} " +
                        std::to_string(round + 1)),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("berth_http_requests_total{code=\"404\",method=\"GET\"} 1"),
              std::string::npos)
        << text;
  }
}

}  // namespace
}  // namespace berth
