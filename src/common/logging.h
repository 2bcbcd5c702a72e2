#pragma once
// Structured logging: one line per event, JSON (default) or human text, to stderr.
//   LogEvent(LogLevel::kInfo, "model_ready", {{"model", "resnet"}, {"version", 1}});
// or, on hot paths (one line per request), without building a JSON document first:
//   LogLine(LogLevel::kInfo, "request").Str("model", m).Int("status", 200).Emit();
// JSON lines carry "ts" (RFC 3339 UTC, microseconds), "level", "event" and the given fields.
//
// Lines are appended to a buffer that a background thread writes out every few milliseconds (one
// write() per batch instead of one per line: at tens of thousands of requests per second the
// per-line system call was a third of the server's time). Warnings and errors, and FlushLogs(),
// write everything pending at once; the buffer is also flushed at exit.
// Thread-safety: safe from any thread; lines are never interleaved and keep their order.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace berth {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kJson, kText };

void SetLogLevel(LogLevel level);
void SetLogFormat(LogFormat format);
LogLevel GetLogLevel();
// Parses "debug" | "info" | "warning" | "error"; false if unknown.
bool ParseLogLevel(const std::string& text, LogLevel* level);
inline bool LogEnabled(LogLevel level) { return level >= GetLogLevel(); }

void LogEvent(LogLevel level, const std::string& event, const nlohmann::json& fields = nlohmann::json::object());

// Writes out every pending line now (before exiting, or before a crash-prone step).
void FlushLogs();

// One log line built field by field. Does nothing if `level` is below the current log level.
class LogLine {
 public:
  LogLine(LogLevel level, std::string_view event);
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  // `key` is a name chosen in code (written as is); `value` is escaped as JSON needs.
  LogLine& Str(std::string_view key, std::string_view value);
  LogLine& Int(std::string_view key, int64_t value);
  // Emits the line (at most once; also done by the destructor if forgotten).
  void Emit();
  ~LogLine() { Emit(); }

 private:
  void Key(std::string_view key);
  // Appends to the line: into buf_ while it fits (a request line does), else into spill_.
  void Put(std::string_view text);
  void PutJsonString(std::string_view value);  // quoted and escaped
  std::string_view Text() const { return spilled_ ? std::string_view(spill_) : std::string_view(buf_, len_); }

  LogLevel level_;
  bool enabled_;
  bool json_;
  bool spilled_ = false;
  size_t len_ = 0;
  char buf_[640];
  std::string spill_;
};

}  // namespace berth
