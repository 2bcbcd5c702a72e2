#include "common/logging.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace berth {
namespace {

// Captures what the logger writes to stderr (fd 2) while alive.
class StderrCapture {
 public:
  StderrCapture() {
    std::snprintf(path_, sizeof path_, "/tmp/berth_log_test_XXXXXX");
    int fd = mkstemp(path_);
    saved_ = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
  }
  ~StderrCapture() { Restore(); unlink(path_); }
  std::string Text() {
    FlushLogs();
    Restore();
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  void Restore() {
    if (saved_ < 0) return;
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    saved_ = -1;
  }
  char path_[64];
  int saved_ = -1;
};

TEST(LogLineTest, WritesOneParsableJsonLinePerEvent) {
  SetLogFormat(LogFormat::kJson);
  SetLogLevel(LogLevel::kInfo);
  StderrCapture capture;
  LogLine(LogLevel::kInfo, "request").Str("path", "/v2/\"x\"\n").Int("status", 404).Emit();
  LogEvent(LogLevel::kInfo, "model_ready", {{"model", "m"}});
  std::string text = capture.Text();
  std::istringstream lines(text);
  std::string first, second;
  ASSERT_TRUE(std::getline(lines, first));
  ASSERT_TRUE(std::getline(lines, second));
  nlohmann::json a = nlohmann::json::parse(first);
  EXPECT_EQ(a["event"], "request");
  EXPECT_EQ(a["level"], "info");
  EXPECT_EQ(a["path"], "/v2/\"x\"\n");
  EXPECT_EQ(a["status"], 404);
  EXPECT_EQ(a["ts"].get<std::string>().size(), std::string("2026-11-25T17:46:08.878671Z").size());
  EXPECT_EQ(nlohmann::json::parse(second)["event"], "model_ready");  // order kept
}

TEST(LogLineTest, RespectsTheLevelAndTextFormat) {
  SetLogLevel(LogLevel::kWarning);
  SetLogFormat(LogFormat::kText);
  StderrCapture capture;
  LogLine(LogLevel::kInfo, "hidden").Int("n", 1).Emit();
  LogLine(LogLevel::kError, "shown").Str("model", "m").Int("n", 2);  // emitted by the destructor
  std::string text = capture.Text();
  SetLogLevel(LogLevel::kInfo);
  SetLogFormat(LogFormat::kJson);
  EXPECT_EQ(text.find("hidden"), std::string::npos);
  EXPECT_NE(text.find(" error shown model=m n=2\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace berth
