#pragma once
// Sampled payload logging: for a fraction of inference requests, one JSON line with the request's
// and the response's JSON parts (binary tensor data is summarised by its size) is appended to a
// file. Meant for debugging what clients really send; off unless --log-payload-file is given.
// Thread-safety: Log and ShouldSample may be called from many threads at once.

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "berth/status.h"

namespace berth::http {

struct PayloadRecord {
  std::string request_id;
  std::string model;
  std::string version;
  std::string target;
  int status = 0;
  std::string_view request_body;
  std::optional<size_t> request_json_length;  // Inference-Header-Content-Length of the request
  std::string_view response_body;
  std::optional<size_t> response_json_length;  // ... of the response
};

class PayloadLogger {
 public:
  // `sample_rate` in [0, 1]: the fraction of requests logged (exactly, by counting, not by chance).
  static StatusOr<std::unique_ptr<PayloadLogger>> Open(const std::string& path, double sample_rate);
  ~PayloadLogger();

  bool ShouldSample();
  void Log(const PayloadRecord& record);

 private:
  PayloadLogger(std::FILE* file, double sample_rate) : file_(file), sample_rate_(sample_rate) {}

  std::mutex mutex_;
  std::FILE* file_;  // guarded by mutex_
  double sample_rate_;
  std::atomic<uint64_t> seen_{0};
};

}  // namespace berth::http
