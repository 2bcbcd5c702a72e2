#include "server/http/payload_log.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

namespace berth::http {
namespace {

using nlohmann::json;

// Payloads larger than this are cut (the log is for looking at requests, not for replaying 100 MB).
constexpr size_t kMaxLoggedJson = 1 << 20;

json JsonPart(std::string_view body, std::optional<size_t> json_length) {
  std::string_view text = body.substr(0, json_length.value_or(body.size()));
  if (text.size() > kMaxLoggedJson)
    return std::string(text.substr(0, kMaxLoggedJson)) + "...(truncated)";
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::string(text);
  return parsed;
}

}  // namespace

StatusOr<std::unique_ptr<PayloadLogger>> PayloadLogger::Open(const std::string& path,
                                                             double sample_rate) {
  if (!(sample_rate >= 0.0 && sample_rate <= 1.0)) {
    return InvalidArgument("--log-payload-sample-rate must be in [0, 1], got " +
                           std::to_string(sample_rate));
  }
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) {
    return InvalidArgument("cannot open payload log file '" + path + "': " + std::strerror(errno));
  }
  return std::unique_ptr<PayloadLogger>(new PayloadLogger(file, sample_rate));
}

PayloadLogger::~PayloadLogger() { std::fclose(file_); }

bool PayloadLogger::ShouldSample() {
  // Request n is logged when floor(n * rate) steps up: exactly `rate` of all requests, evenly
  // spread.
  const uint64_t n = seen_.fetch_add(1, std::memory_order_relaxed) + 1;
  return std::floor(static_cast<double>(n) * sample_rate_) >
         std::floor(static_cast<double>(n - 1) * sample_rate_);
}

void PayloadLogger::Log(const PayloadRecord& record) {
  json line = {{"request_id", record.request_id},
               {"model", record.model},
               {"version", record.version},
               {"target", record.target},
               {"status", record.status}};
  line["request"] = JsonPart(record.request_body, record.request_json_length);
  if (record.request_json_length) {
    line["request_binary_bytes"] = record.request_body.size() - *record.request_json_length;
  }
  line["response"] = JsonPart(record.response_body, record.response_json_length);
  if (record.response_json_length) {
    line["response_binary_bytes"] = record.response_body.size() - *record.response_json_length;
  }
  std::string text = line.dump(-1, ' ', false, json::error_handler_t::replace);
  text += '\n';
  std::lock_guard lock(mutex_);
  std::fwrite(text.data(), 1, text.size(), file_);
  std::fflush(file_);
}

}  // namespace berth::http
