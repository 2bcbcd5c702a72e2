// `berth bench MODEL`: in-process latency/throughput of a model with synthetic inputs.
//   berth bench model.onnx --batch 8 --iterations 100 --warmup 10 [--shape x=1,3,224,224] [--json]
// Dynamic dimensions take --batch for the first one and 1 elsewhere unless --shape says otherwise.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <numeric>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "berth/session.h"
#include "cli/commands.h"
#include "engine/dispatch.h"

namespace berth::cli {

namespace {

struct BenchFlags {
  std::string model;
  int64_t batch = 1;
  int iterations = 50;
  int warmup = 5;
  std::vector<std::string> shapes;  // NAME=d0,d1,...
  bool json = false;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "berth bench: error: %s\n", message.c_str());
  return 1;
}

double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is KiB on Linux
}

// Fills a tensor with reproducible values in a range that suits its type (small ints for indices).
Tensor RandomTensor(DataType dtype, const Shape& shape, std::mt19937& rng) {
  Tensor t(dtype, shape);
  std::uniform_real_distribution<float> real(-1.f, 1.f);
  std::uniform_int_distribution<int> small(0, 3);
  Status ignored = VisitType(dtype, kAllTypes, [&](auto tag) -> Status {
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
  }, "bench");
  (void)ignored;
  return t;
}

StatusOr<std::map<std::string, Shape>> ParseShapes(const std::vector<std::string>& specs) {
  std::map<std::string, Shape> out;
  for (const std::string& spec : specs) {
    auto eq = spec.find('=');
    if (eq == std::string::npos) return InvalidArgument("--shape expects NAME=d0,d1,..., got '" + spec + "'");
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

int Run(const BenchFlags& f) {
  auto shapes = ParseShapes(f.shapes);
  if (!shapes.ok()) return Fail(shapes.status().message());
  auto t0 = std::chrono::steady_clock::now();
  SessionOptions options;
  auto session = Session::Load(f.model, options);
  if (!session.ok()) return Fail(session.status().message());
  double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

  std::mt19937 rng(42);
  std::vector<Value> inputs;
  for (const TensorInfo& in : (*session)->inputs()) {
    if (!in.is_tensor) return Fail("input '" + in.name + "' is not a tensor; bench needs tensor inputs");
    Shape shape;
    auto given = shapes->find(in.name);
    if (given != shapes->end()) {
      shape = given->second;
    } else {
      if (!in.has_shape) return Fail("input '" + in.name + "' has no declared shape; pass --shape " + in.name + "=...");
      bool first_dynamic = true;
      for (int64_t d : in.dims) {
        shape.push_back(d >= 0 ? d : (first_dynamic ? f.batch : 1));
        if (d < 0) first_dynamic = false;
      }
    }
    DataType dtype = in.dtype == DataType::kUndefined ? DataType::kFloat32 : in.dtype;
    inputs.emplace_back(RandomTensor(dtype, shape, rng));
  }

  for (int i = 0; i < f.warmup; ++i) {
    auto out = (*session)->Run(inputs);
    if (!out.ok()) return Fail(out.status().message());
  }
  std::vector<double> ms;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < f.iterations; ++i) {
    auto r0 = std::chrono::steady_clock::now();
    auto out = (*session)->Run(inputs);
    if (!out.ok()) return Fail(out.status().message());
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - r0).count());
  }
  double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  auto pct = [&](double p) {
    return sorted.empty() ? 0.0 : sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()))];
  };
  double mean = sorted.empty() ? 0.0 : std::accumulate(sorted.begin(), sorted.end(), 0.0) / sorted.size();
  double per_s = total_s > 0 ? f.iterations / total_s : 0.0;
  nlohmann::json j = {
      {"model", f.model}, {"batch", f.batch}, {"iterations", f.iterations}, {"warmup", f.warmup},
      {"load_ms", load_ms}, {"p50_ms", pct(0.5)}, {"p90_ms", pct(0.9)}, {"p99_ms", pct(0.99)},
      {"min_ms", sorted.empty() ? 0.0 : sorted.front()}, {"mean_ms", mean},
      {"runs_per_s", per_s}, {"samples_per_s", per_s * static_cast<double>(f.batch)},
      {"peak_rss_mib", PeakRssMiB()},
      {"peak_intermediate_mib", static_cast<double>((*session)->peak_intermediate_bytes()) / (1024.0 * 1024.0)}};
  if (f.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("model            %s\n", f.model.c_str());
    std::printf("batch            %lld\n", static_cast<long long>(f.batch));
    std::printf("load time        %.1f ms\n", load_ms);
    std::printf("latency          p50 %.3f ms   p90 %.3f ms   p99 %.3f ms   (min %.3f, mean %.3f; %d runs)\n",
                pct(0.5), pct(0.9), pct(0.99), j["min_ms"].get<double>(), mean, f.iterations);
    std::printf("throughput       %.1f runs/s   %.1f samples/s\n", per_s, per_s * static_cast<double>(f.batch));
    std::printf("peak RSS         %.1f MiB (intermediates %.1f MiB)\n", j["peak_rss_mib"].get<double>(),
                j["peak_intermediate_mib"].get<double>());
  }
  return 0;
}

}  // namespace

CommandRunner AddBenchCommand(CLI::App& app) {
  auto flags = std::make_shared<BenchFlags>();
  CLI::App* sub = app.add_subcommand("bench", "Measure a model's latency and throughput in-process");
  sub->add_option("model", flags->model, "ONNX model file")->required();
  sub->add_option("--batch", flags->batch, "Size of the first dynamic dimension")->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--iterations", flags->iterations, "Timed runs")->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--warmup", flags->warmup, "Untimed runs first")->check(CLI::NonNegativeNumber)->capture_default_str();
  sub->add_option("--shape", flags->shapes, "NAME=d0,d1,... for an input (repeatable)");
  sub->add_flag("--json", flags->json, "Print one JSON object instead of a table");
  return [flags] { return Run(*flags); };
}

}  // namespace berth::cli
