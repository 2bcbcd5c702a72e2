// ONNX backend conformance runner: runs every test of Debian's libonnx-testdata (node/,
// pytorch-converted/, pytorch-operator/, simple/) through a Berth session and compares with the
// reference outputs (rtol 1e-3, atol 1e-7, ONNX's own tolerances).
//
// Each test runs in a forked child with a time limit, so a crash or hang is reported as that test's
// failure instead of ending the run. The checked-in list of expected failures (one `suite/test # reason`
// a line) makes the exit status strict: a failure not on the list, or a listed test that now passes,
// fails the run.
//
//   onnx_conformance [--data DIR] [--filter SUBSTR] [--expected FILE] [--write-expected FILE] [--verbose]
//                    [--reference-only]
// By default sessions use the optimized provider (oneDNN) and every graph optimization, so the fused
// and optimized paths are checked against the reference outputs; --reference-only runs every node on
// the reference kernels.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "berth/session.h"
#include "engine/graph.h"
#include "engine/onnx/tensor_proto.h"
#include "engine/tensor_compare.h"

namespace fs = std::filesystem;
using namespace berth;

namespace {

constexpr double kRtol = 1e-3;
constexpr double kAtol = 1e-7;
constexpr int kTimeoutSeconds = 60;

std::string KindHint(const ValueInfo& vi) {
  switch (vi.kind) {
    case ValueInfo::Kind::kSequence: return "sequence";
    case ValueInfo::Kind::kOptional: return "optional";
    case ValueInfo::Kind::kTensor: return "tensor";
    default: return "";
  }
}

std::string CompareValues(const Value& actual, const Value& expected) {
  if (expected.is_empty()) return actual.is_empty() ? "" : "expected an empty optional";
  if (expected.is_tensor()) {
    if (!actual.is_tensor()) return "expected a tensor";
    return CompareTensors(actual.tensor(), expected.tensor(), kRtol, kAtol);
  }
  if (!actual.is_sequence()) return "expected a sequence";
  if (actual.sequence().size() != expected.sequence().size()) {
    return "sequence length " + std::to_string(actual.sequence().size()) + ", expected " +
           std::to_string(expected.sequence().size());
  }
  for (size_t i = 0; i < expected.sequence().size(); ++i) {
    std::string d = CompareTensors(actual.sequence()[i], expected.sequence()[i], kRtol, kAtol);
    if (!d.empty()) return "sequence element " + std::to_string(i) + ": " + d;
  }
  return "";
}

// ONNX 1.12's test data stores bfloat16 tensors as UINT16 holding the same bits (fixed upstream
// later). Where the model declares bfloat16, read such data as what it is.
Value FixBfloat16(Value v, const ValueInfo* declared) {
  if (declared && declared->dtype == DataType::kBFloat16 && v.is_tensor() &&
      v.tensor().dtype() == DataType::kUint16) {
    Tensor& t = v.tensor();
    return Value(Tensor::Wrap(DataType::kBFloat16, t.shape(), t.raw_data(), std::make_shared<Tensor>(t)));
  }
  return v;
}

SessionOptions g_session_options;  // set once from the flags, before any test runs

// Runs one test directory; returns "" on success or a one-line reason.
std::string RunTest(const fs::path& dir) {
  auto session = Session::Load((dir / "model.onnx").string(), g_session_options);
  if (!session.ok()) return "load: " + session.status().ToString();
  const Graph& graph = *(*session)->model().graph;
  std::vector<fs::path> sets;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0) sets.push_back(e.path());
  std::sort(sets.begin(), sets.end());
  if (sets.empty()) return "no test data sets";
  for (const fs::path& set : sets) {
    std::vector<Value> inputs;
    for (size_t i = 0;; ++i) {
      fs::path p = set / ("input_" + std::to_string(i) + ".pb");
      if (!fs::exists(p)) break;
      std::string hint = i < graph.inputs.size() ? KindHint(graph.inputs[i]) : "";
      auto v = ReadValueFile(p.string(), hint);
      if (!v.ok()) return "reading " + p.filename().string() + ": " + v.status().ToString();
      inputs.push_back(FixBfloat16(std::move(v).value(), i < graph.inputs.size() ? &graph.inputs[i] : nullptr));
    }
    // Trailing optional inputs may be absent from the data set.
    while (inputs.size() < graph.inputs.size()) inputs.emplace_back();
    auto outputs = (*session)->Run(inputs);
    if (!outputs.ok()) return "run: " + outputs.status().ToString();
    for (size_t i = 0;; ++i) {
      fs::path p = set / ("output_" + std::to_string(i) + ".pb");
      if (!fs::exists(p)) break;
      std::string hint = i < graph.outputs.size() ? KindHint(graph.outputs[i]) : "";
      auto expected = ReadValueFile(p.string(), hint);
      if (!expected.ok()) return "reading " + p.filename().string() + ": " + expected.status().ToString();
      if (i >= outputs->size()) return "missing output " + std::to_string(i);
      Value want = FixBfloat16(std::move(expected).value(), i < graph.outputs.size() ? &graph.outputs[i] : nullptr);
      std::string diff = CompareValues((*outputs)[i], want);
      if (!diff.empty()) {
        return "output " + std::to_string(i) + " ('" + (i < graph.outputs.size() ? graph.outputs[i].name : "") +
               "') mismatch: " + diff;
      }
    }
  }
  return "";
}

// Forks, runs the test in the child, and reads its verdict through a pipe.
std::string RunIsolated(const fs::path& dir) {
  int fds[2];
  if (pipe(fds) != 0) return RunTest(dir);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    alarm(kTimeoutSeconds);
    std::string r = RunTest(dir);
    if (r.empty()) r = "OK";
    size_t off = 0;
    while (off < r.size()) {
      ssize_t w = write(fds[1], r.data() + off, r.size() - off);
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return sig == SIGALRM ? "timed out after " + std::to_string(kTimeoutSeconds) + " s"
                          : "crashed with signal " + std::to_string(sig);
  }
  if (out == "OK") return "";
  if (out.empty()) return "child exited without a verdict";
  return out;
}

std::string OneLine(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  if (s.size() > 300) s = s.substr(0, 300) + "...";
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data = "/usr/share/libonnx-testdata/data";
  std::string filter, expected_file, write_expected;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--data") data = next();
    else if (a == "--filter") filter = next();
    else if (a == "--expected") expected_file = next();
    else if (a == "--write-expected") write_expected = next();
    else if (a == "--verbose") verbose = true;
    else if (a == "--reference-only") g_session_options.use_optimized_provider = false;
    else {
      std::cerr << "unknown argument " << a << "\n";
      return 2;
    }
  }

  std::map<std::string, std::string> expected;  // test -> reason
  if (!expected_file.empty()) {
    std::ifstream in(expected_file);
    if (!in) {
      std::cerr << "cannot read expected-failure list " << expected_file << "\n";
      return 2;
    }
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      auto hash = line.find('#');
      std::string name = line.substr(0, hash);
      name.erase(name.find_last_not_of(" \t") + 1);
      expected[name] = hash == std::string::npos ? "" : line.substr(hash + 1);
    }
  }

  const char* suites[] = {"node", "pytorch-converted", "pytorch-operator", "simple"};
  int passed = 0, failed = 0, unexpected_fail = 0, unexpected_pass = 0;
  std::vector<std::pair<std::string, std::string>> failures;
  auto start = std::chrono::steady_clock::now();
  for (const char* suite : suites) {
    fs::path root = fs::path(data) / suite;
    if (!fs::exists(root)) {
      std::cerr << "missing test data folder " << root << " (install libonnx-testdata)\n";
      return 2;
    }
    std::vector<fs::path> tests;
    for (const auto& e : fs::directory_iterator(root))
      if (e.is_directory() && fs::exists(e.path() / "model.onnx")) tests.push_back(e.path());
    std::sort(tests.begin(), tests.end());
    for (const fs::path& t : tests) {
      std::string name = std::string(suite) + "/" + t.filename().string();
      if (!filter.empty() && name.find(filter) == std::string::npos) continue;
      std::string reason = OneLine(RunIsolated(t));
      bool listed = expected.count(name) > 0;
      if (reason.empty()) {
        ++passed;
        // A random operator's draws can match numpy's by chance (test_bernoulli: 10 draws, about 1
        // run in 5 here): its pass says nothing, so the list keeps it and the run does not fail.
        const bool random = listed && expected[name].find("random output") != std::string::npos;
        if (random) {
          std::cout << "pass by chance " << name << " (random output; stays listed)\n";
        } else if (listed) {
          ++unexpected_pass;
          std::cout << "UNEXPECTED PASS " << name << " (take it off the expected-failure list)\n";
        } else if (verbose) {
          std::cout << "ok   " << name << "\n";
        }
      } else {
        ++failed;
        failures.emplace_back(name, reason);
        if (!listed) ++unexpected_fail;
        std::cout << (listed ? "FAIL (expected) " : "FAIL ") << name << ": " << reason << "\n";
      }
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!write_expected.empty()) {
    std::ofstream out(write_expected);
    out << "# ONNX backend tests (libonnx-testdata) that Berth does not pass yet, with the reason.\n"
        << "# Written by onnx_conformance --write-expected; a test that starts passing must leave the list.\n";
    for (const auto& [name, reason] : failures) out << name << "  # " << reason << "\n";
  }
  std::cout << "conformance: " << unexpected_fail << " unexpected failures, " << unexpected_pass
            << " unexpected passes, " << (failed - unexpected_fail) << " expected failures, " << secs << " s\n";
  std::cout << passed << " passed, " << failed << " failed\n";
  return (unexpected_fail == 0 && unexpected_pass == 0) ? 0 : 1;
}
