#pragma once
// Structured logging: one line per event, JSON (default) or human text, to stderr.
//   LogEvent(LogLevel::kInfo, "model_ready", {{"model", "resnet"}, {"version", 1}});
// JSON lines carry "ts" (RFC 3339 UTC, microseconds), "level", "event" and the given fields.
// Thread-safety: safe from any thread; each event is written with a single write() call.

#include <string>

#include <nlohmann/json.hpp>

namespace berth {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kJson, kText };

void SetLogLevel(LogLevel level);
void SetLogFormat(LogFormat format);
LogLevel GetLogLevel();
// Parses "debug" | "info" | "warning" | "error"; false if unknown.
bool ParseLogLevel(const std::string& text, LogLevel* level);

void LogEvent(LogLevel level, const std::string& event, const nlohmann::json& fields = nlohmann::json::object());

}  // namespace berth
