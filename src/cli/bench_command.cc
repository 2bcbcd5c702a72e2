// `berth bench MODEL`: in-process latency/throughput of a model with synthetic (or given) inputs.
//   berth bench model.onnx --batch 8 --threads 2 --iterations 100 --warmup 10 [--json] [--profile]
//   berth bench model.onnx --input x=x.npy --output-dir OUT   (the measured session's outputs)
// Dynamic dimensions take --batch for the first one and 1 elsewhere unless --shape says otherwise.
// Load time is the wall time of Session::Load (parse, optimize, plan); peak RSS is the process's
// high-water mark (VmHWM), once after load and once at the end.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "berth/session.h"
#include "cli/commands.h"
#include "engine/dispatch.h"
#include "engine/npy.h"

namespace berth::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct BenchFlags {
  std::string model;
  int64_t batch = 1;
  int threads = 0;  // 0: the engine's default (one per physical core)
  int iterations = 50;
  int warmup = 5;
  double time_limit_s = 0;  // 0: no limit
  int optimization_level = SessionOptions{}.optimization_level;
  bool reference_only = false;
  bool no_arena = false;
  bool profile = false;
  int profile_top = 15;
  std::vector<std::string> shapes;  // NAME=d0,d1,...
  std::vector<std::string> inputs;  // NAME=FILE.npy
  std::string output_dir;
  bool json = false;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "berth bench: error: %s\n", message.c_str());
  return 1;
}

// The high-water mark of this process's resident set: VmHWM from /proc/self/status. Not
// getrusage's ru_maxrss: that one starts from the parent's RSS when the parent spawned us with
// vfork (Python's subprocess does), so a small process started by a big one would report the
// parent's size.
double PeakRssMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;  // kB
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is KiB on Linux
}

double MsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Fills a tensor with reproducible values in a range that suits its type (small ints for indices).
Tensor RandomTensor(DataType dtype, const Shape& shape, std::mt19937& rng) {
  Tensor t(dtype, shape);
  std::uniform_real_distribution<float> real(-1.f, 1.f);
  std::uniform_int_distribution<int> small(0, 3);
  Status ignored = VisitType(
      dtype, kAllTypes,
      [&](auto tag) -> Status {
        using T = typename decltype(tag)::type;
        T* p = t.data<T>();
        for (int64_t i = 0; i < t.numel(); ++i) {
          if constexpr (std::is_same_v<T, std::string>) {
            p[i] = "berth";
          } else if constexpr (std::is_same_v<T, bool>) {
            p[i] = small(rng) & 1;
          } else if constexpr (std::is_integral_v<T>) {
            p[i] = static_cast<T>(small(rng));
          } else {
            p[i] = T(real(rng));
          }
        }
        return Status::Ok();
      },
      "bench");
  (void)ignored;
  return t;
}

StatusOr<std::map<std::string, Shape>> ParseShapes(const std::vector<std::string>& specs) {
  std::map<std::string, Shape> out;
  for (const std::string& spec : specs) {
    auto eq = spec.find('=');
    if (eq == std::string::npos)
      return InvalidArgument("--shape expects NAME=d0,d1,..., got '" + spec + "'");
    Shape s;
    std::stringstream ss(spec.substr(eq + 1));
    std::string item;
    while (std::getline(ss, item, ',')) {
      try {
        s.push_back(std::stoll(item));
      } catch (const std::exception&) {
        return InvalidArgument("--shape '" + spec + "': '" + item + "' is not a number");
      }
      if (s.back() < 0) return InvalidArgument("--shape '" + spec + "': negative dimension");
    }
    out[spec.substr(0, eq)] = s;
  }
  return out;
}

StatusOr<std::map<std::string, Tensor>> ReadInputs(const std::vector<std::string>& specs,
                                                   const std::vector<TensorInfo>& declared) {
  std::map<std::string, Tensor> out;
  for (const std::string& spec : specs) {
    auto eq = spec.find('=');
    if (eq == std::string::npos)
      return InvalidArgument("--input expects NAME=FILE.npy, got '" + spec + "'");
    std::string name = spec.substr(0, eq);
    bool known = std::any_of(declared.begin(), declared.end(),
                             [&](const TensorInfo& i) { return i.name == name; });
    if (!known)
      return InvalidArgument("--input '" + spec + "': the model has no input named '" + name + "'");
    auto t = ReadNpy(spec.substr(eq + 1));
    if (!t.ok()) return InvalidArgument("--input '" + spec + "': " + t.status().message());
    out.emplace(name, std::move(*t));
  }
  return out;
}

// The inputs of every run: given files first, then --shape, then the declared shape with --batch.
StatusOr<std::vector<Value>> MakeInputs(const Session& session, const BenchFlags& f) {
  ASSIGN_OR_RETURN(auto shapes, ParseShapes(f.shapes));
  ASSIGN_OR_RETURN(auto files, ReadInputs(f.inputs, session.inputs()));
  std::mt19937 rng(42);
  std::vector<Value> inputs;
  for (const TensorInfo& in : session.inputs()) {
    if (!in.is_tensor)
      return InvalidArgument("input '" + in.name + "' is not a tensor; bench needs tensor inputs");
    if (auto file = files.find(in.name); file != files.end()) {
      inputs.emplace_back(std::move(file->second));
      continue;
    }
    Shape shape;
    if (auto given = shapes.find(in.name); given != shapes.end()) {
      shape = given->second;
    } else {
      if (!in.has_shape) {
        return InvalidArgument("input '" + in.name + "' has no declared shape; pass --shape " +
                               in.name + "=...");
      }
      bool first_dynamic = true;
      for (int64_t d : in.dims) {
        shape.push_back(d >= 0 ? d : (first_dynamic ? f.batch : 1));
        if (d < 0) first_dynamic = false;
      }
    }
    DataType dtype = in.dtype == DataType::kUndefined ? DataType::kFloat32 : in.dtype;
    inputs.emplace_back(RandomTensor(dtype, shape, rng));
  }
  return inputs;
}

Status WriteOutputs(const std::vector<Value>& outputs, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return InvalidArgument("--output-dir '" + dir + "': " + ec.message());
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (!outputs[i].is_tensor())
      return InvalidArgument("output " + std::to_string(i) + " is not a tensor");
    std::string path = (fs::path(dir) / ("output_" + std::to_string(i) + ".npy")).string();
    RETURN_IF_ERROR(WriteNpy(outputs[i].tensor(), path));
  }
  return Status::Ok();
}

// Per-node times summed by (op_type, provider), largest first. `runs` is how many runs the
// profile covers: every top-level node runs once per run, so it is the largest call count.
nlohmann::json ProfileByOperator(const std::vector<NodeProfile>& nodes, int top) {
  struct Group {
    std::string op_type, provider;
    int64_t nodes = 0, calls = 0, total_us = 0;
  };
  std::map<std::pair<std::string, std::string>, Group> groups;
  int64_t total_us = 0, runs = 0;
  for (const NodeProfile& n : nodes) {
    Group& g = groups[{n.op_type, n.provider}];
    g.op_type = n.op_type;
    g.provider = n.provider;
    g.nodes += 1;
    g.calls += n.calls;
    g.total_us += n.total_us;
    total_us += n.total_us;
    runs = std::max(runs, n.calls);
  }
  std::vector<Group> sorted;
  for (auto& [key, g] : groups) sorted.push_back(g);
  std::sort(sorted.begin(), sorted.end(), [](const Group& a, const Group& b) {
    return a.total_us != b.total_us ? a.total_us > b.total_us : a.op_type < b.op_type;
  });
  nlohmann::json ops = nlohmann::json::array();
  for (size_t i = 0; i < sorted.size() && static_cast<int>(i) < top; ++i) {
    const Group& g = sorted[i];
    ops.push_back(
        {{"op_type", g.op_type},
         {"provider", g.provider},
         {"nodes", g.nodes},
         {"calls", g.calls},
         {"total_ms", g.total_us / 1000.0},
         {"ms_per_run", runs > 0 ? g.total_us / 1000.0 / static_cast<double>(runs) : 0.0},
         {"percent", total_us > 0 ? 100.0 * static_cast<double>(g.total_us) / total_us : 0.0}});
  }
  return {{"runs", runs},
          {"nodes", nodes.size()},
          {"operator_groups", sorted.size()},
          {"total_ms", total_us / 1000.0},
          {"ms_per_run", runs > 0 ? total_us / 1000.0 / static_cast<double>(runs) : 0.0},
          {"top", ops}};
}

void PrintTable(const nlohmann::json& j) {
  auto d = [&](const char* key) { return j[key].get<double>(); };
  std::printf("model            %s\n", j["model"].get<std::string>().c_str());
  std::printf(
      "settings         batch %lld, threads %s, optimization level %d, providers %s\n",
      static_cast<long long>(j["batch"].get<int64_t>()),
      j["threads"].get<int>() == 0 ? "default" : std::to_string(j["threads"].get<int>()).c_str(),
      j["optimization_level"].get<int>(), j["providers"].get<std::string>().c_str());
  std::printf("load time        %.1f ms (import %.1f, optimize %.1f, plan + prepack %.1f)\n", d("load_ms"),
              d("load_import_ms"), d("load_optimize_ms"), d("load_plan_ms"));
  std::printf(
      "latency          p50 %.3f ms   p90 %.3f ms   p99 %.3f ms   (min %.3f, mean %.3f; %d runs "
      "after %d warm-up)\n",
      d("p50_ms"), d("p90_ms"), d("p99_ms"), d("min_ms"), d("mean_ms"), j["iterations"].get<int>(),
      j["warmup"].get<int>());
  std::printf("throughput       %.2f runs/s   %.2f inferences/s\n", d("runs_per_s"),
              d("samples_per_s"));
  std::printf("peak RSS         %.1f MiB (%.1f MiB after load; intermediates %.1f MiB)\n",
              d("peak_rss_mib"), d("peak_rss_after_load_mib"), d("peak_intermediate_mib"));
  if (!j.contains("profile")) return;
  if (j["profile"].is_null()) {
    std::printf("profile          empty: this build's engine records no per-node times\n");
    return;
  }
  const nlohmann::json& p = j["profile"];
  std::printf(
      "profile          %.3f ms per run in %lld nodes over %lld runs (timings above include "
      "profiling)\n",
      p["ms_per_run"].get<double>(), static_cast<long long>(p["nodes"].get<int64_t>()),
      static_cast<long long>(p["runs"].get<int64_t>()));
  std::printf("  %-28s %-10s %6s %12s %7s\n", "op_type", "provider", "nodes", "ms/run", "%");
  for (const auto& op : p["top"]) {
    std::printf("  %-28s %-10s %6lld %12.3f %6.1f%%\n", op["op_type"].get<std::string>().c_str(),
                op["provider"].get<std::string>().c_str(),
                static_cast<long long>(op["nodes"].get<int64_t>()), op["ms_per_run"].get<double>(),
                op["percent"].get<double>());
  }
  if (p["operator_groups"].get<size_t>() > p["top"].size()) {
    std::printf("  (%zu more operator groups; --profile-top N shows more)\n",
                p["operator_groups"].get<size_t>() - p["top"].size());
  }
}

int Run(const BenchFlags& f) {
  SessionOptions options;
  options.intra_op_threads = f.threads;
  options.optimization_level = f.optimization_level;
  options.use_optimized_provider = !f.reference_only;
  options.intermediate_arena = !f.no_arena;
  options.enable_profiling = f.profile;
  auto t0 = Clock::now();
  auto session = Session::Load(f.model, options);
  if (!session.ok()) return Fail(session.status().message());
  double load_ms = MsSince(t0);
  double rss_after_load = PeakRssMiB();

  auto inputs = MakeInputs(**session, f);
  if (!inputs.ok()) return Fail(inputs.status().message());

  int warmup = 0;
  auto warm_start = Clock::now();
  while (warmup < f.warmup) {  // --time-limit bounds the warm-up too: a slow model needs few runs
    auto out = (*session)->Run(*inputs);
    if (!out.ok()) return Fail(out.status().message());
    ++warmup;
    if (f.time_limit_s > 0 && MsSince(warm_start) >= f.time_limit_s * 1000.0) break;
  }
  std::vector<double> ms;
  std::vector<Value> last;
  auto start = Clock::now();
  for (int i = 0; i < f.iterations; ++i) {
    auto r0 = Clock::now();
    auto out = (*session)->Run(*inputs);
    if (!out.ok()) return Fail(out.status().message());
    ms.push_back(MsSince(r0));
    last = std::move(*out);
    if (f.time_limit_s > 0 && MsSince(start) >= f.time_limit_s * 1000.0) break;
  }
  double total_s = MsSince(start) / 1000.0;
  if (!f.output_dir.empty()) {
    Status st = WriteOutputs(last, f.output_dir);
    if (!st.ok()) return Fail(st.message());
  }

  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  // Nearest-rank percentile: the smallest sample with at least p of the samples at or below it.
  auto pct = [&](double p) {
    size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
    return sorted[std::min(sorted.size() - 1, rank > 0 ? rank - 1 : 0)];
  };
  double mean =
      std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(sorted.size());
  int runs = static_cast<int>(ms.size());
  double per_s = total_s > 0 ? runs / total_s : 0.0;
  nlohmann::json j = {
      {"model", f.model},
      {"batch", f.batch},
      {"threads", f.threads},
      {"optimization_level", f.optimization_level},
      {"providers", f.reference_only ? "reference" : "optimized+reference"},
      {"iterations", runs},
      {"warmup", warmup},
      {"load_ms", load_ms},
      {"load_import_ms", (*session)->load_timings().import_ms},
      {"load_optimize_ms", (*session)->load_timings().optimize_ms},
      {"load_plan_ms", (*session)->load_timings().plan_ms},
      {"p50_ms", pct(0.5)},
      {"p90_ms", pct(0.9)},
      {"p99_ms", pct(0.99)},
      {"min_ms", sorted.front()},
      {"max_ms", sorted.back()},
      {"mean_ms", mean},
      {"runs_per_s", per_s},
      {"samples_per_s", per_s * static_cast<double>(f.batch)},
      {"peak_rss_after_load_mib", rss_after_load},
      {"peak_rss_mib", PeakRssMiB()},
      {"peak_intermediate_mib",
       static_cast<double>((*session)->peak_intermediate_bytes()) / (1024.0 * 1024.0)}};
  if (f.profile) {
    std::vector<NodeProfile> nodes = (*session)->profile();
    j["profile"] =
        nodes.empty() ? nlohmann::json(nullptr) : ProfileByOperator(nodes, f.profile_top);
  }
  if (f.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    PrintTable(j);
  }
  return 0;
}

}  // namespace

CommandRunner AddBenchCommand(CLI::App& app) {
  auto flags = std::make_shared<BenchFlags>();
  CLI::App* sub =
      app.add_subcommand("bench", "Measure a model's latency and throughput in-process");
  sub->add_option("model", flags->model, "ONNX model file")->required();
  sub->add_option("--batch", flags->batch, "Size of the first dynamic dimension")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--threads", flags->threads,
                  "Intra-op threads per run (0: one per physical core)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--iterations", flags->iterations, "Timed runs")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--warmup", flags->warmup, "Untimed runs first")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option(
         "--time-limit", flags->time_limit_s,
         "Warm-up and timed runs each stop once this many seconds have passed (at least one run "
         "each; 0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--optimization-level", flags->optimization_level,
                  "Graph optimizations: 0 none, 1 basic, 2 all")
      ->check(CLI::Range(0, 2))
      ->capture_default_str();
  sub->add_flag("--no-arena", flags->no_arena,
                "Allocate every intermediate afresh instead of reusing buffers (to measure the arena)");
  sub->add_flag("--reference-only", flags->reference_only,
                "Run every node on the portable reference kernels");
  sub->add_flag("--profile", flags->profile,
                "Record per-node times and print the operators that take longest");
  sub->add_option("--profile-top", flags->profile_top, "Operator groups --profile shows")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--shape", flags->shapes, "NAME=d0,d1,... for an input (repeatable)");
  sub->add_option("--input", flags->inputs,
                  "NAME=FILE.npy: run on this tensor instead of random values (repeatable)");
  sub->add_option("--output-dir", flags->output_dir,
                  "Write the last timed run's outputs there as output_<i>.npy");
  sub->add_flag("--json", flags->json, "Print one JSON object instead of a table");
  return [flags] { return Run(*flags); };
}

}  // namespace berth::cli
