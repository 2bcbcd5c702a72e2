// `berth run`: run a model once (or --repeat times) from files, the way users debug a model.
//   berth run MODEL.onnx --input-dir DIR --output-dir OUT          (ONNX TensorProto .pb files)
//   berth run MODEL.onnx --input x=x.npy --output-dir OUT --format npy
//   berth run MODEL.onnx --dump-graph [--optimization-level N]   (print the graph that runs, then exit)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <numeric>

#include "berth/session.h"
#include "cli/commands.h"
#include "engine/graph.h"
#include "engine/npy.h"
#include "engine/onnx/tensor_proto.h"
#include "engine/optimizer/graph_view.h"
#include "engine/optimizer/optimizer.h"
#include "providers/dnnl/blocked_layout_pass.h"

namespace berth::cli {

namespace {

namespace fs = std::filesystem;

struct RunFlags {
  std::string model;
  std::string input_dir;
  std::string output_dir;
  std::vector<std::string> inputs;  // NAME=FILE
  std::string format = "pb";
  int repeat = 0;
  bool quiet = false;
  bool dump_graph = false;
  int optimization_level = 2;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "berth run: error: %s\n", message.c_str());
  return 1;
}

std::string KindHint(const ValueInfo& vi) {
  switch (vi.kind) {
    case ValueInfo::Kind::kSequence: return "sequence";
    case ValueInfo::Kind::kOptional: return "optional";
    default: return "";
  }
}

StatusOr<Value> ReadInputFile(const std::string& path, const ValueInfo& vi) {
  if (fs::path(path).extension() == ".npy") {
    ASSIGN_OR_RETURN(Tensor t, ReadNpy(path));
    return Value(std::move(t));
  }
  return ReadValueFile(path, KindHint(vi));
}

void PrintSummary(const std::string& name, const Value& v) {
  if (!v.is_tensor()) {
    std::printf("%s: %s\n", name.c_str(), v.is_empty() ? "(empty)" : "(sequence)");
    return;
  }
  const Tensor& t = v.tensor();
  std::printf("%s: %s", name.c_str(), t.Describe().c_str());
  if (t.dtype() == DataType::kFloat32 && t.numel() > 0) {
    std::printf(" [");
    for (int64_t i = 0; i < std::min<int64_t>(t.numel(), 8); ++i) std::printf("%s%g", i ? ", " : "", t.data<float>()[i]);
    std::printf("%s]", t.numel() > 8 ? ", ..." : "");
  }
  std::printf("\n");
}

// Prints the graph the session runs, one line per node in execution order
// ("name  op(domain)  inputs -> outputs  [provider]"). It is rebuilt the way Session::Create builds it
// (OptimizeGraph, then at level 2 the oneDNN blocked-layout pass): both are deterministic, and the
// optimizer leaves nodes in topological order, which is the order the planner runs them in, so the
// providers the session reports per executed node line up with these nodes when the counts agree.
int DumpGraph(const Session& session, int level) {
  const Graph& original = *session.model().graph;
  // The graph the session runs (optimized, blocked layout applied). Re-optimizing the model's graph
  // would not do: weights that kernels prepacked are released from it.
  Graph graph = session.executed_graph();
  if (level >= 2) opt::SortTopologically(graph);  // the planner's order
  const double optimize_ms = session.load_timings().optimize_ms;
  std::vector<std::string> providers = session.node_providers();
  if (providers.size() != graph.nodes.size()) providers.clear();
  std::printf("graph '%s': %zu nodes (%zu before optimization level %d), %zu initializers; optimizer %.1f ms\n",
              graph.name.c_str(), graph.nodes.size(), original.nodes.size(), level, graph.initializers.size(),
              optimize_ms);
  auto join = [](const std::vector<std::string>& names) {
    std::string s;
    for (size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + (names[i].empty() ? std::string("<none>") : names[i]);
    return s;
  };
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    std::string op = node.op_type + (node.domain.empty() ? "" : "(" + node.domain + ")");
    std::printf("%s  %s  %s -> %s%s\n", node.name.c_str(), op.c_str(), join(node.inputs).c_str(),
                join(node.outputs).c_str(), providers.empty() ? "" : ("  [" + providers[n] + "]").c_str());
  }
  return 0;
}

int Run(const RunFlags& f) {
  auto load_start = std::chrono::steady_clock::now();
  SessionOptions options;
  options.optimization_level = f.optimization_level;
  auto session = Session::Load(f.model, options);
  if (!session.ok()) return Fail(session.status().message());
  if (f.dump_graph) return DumpGraph(**session, f.optimization_level);
  double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - load_start).count();
  const Graph& graph = *(*session)->model().graph;

  std::vector<std::pair<std::string, Value>> feeds;
  std::vector<bool> given(graph.inputs.size(), false);
  for (const std::string& spec : f.inputs) {
    auto eq = spec.find('=');
    if (eq == std::string::npos) return Fail("--input expects NAME=FILE, got '" + spec + "'");
    std::string name = spec.substr(0, eq), path = spec.substr(eq + 1);
    ValueInfo vi;
    for (size_t i = 0; i < graph.inputs.size(); ++i)
      if (graph.inputs[i].name == name) vi = graph.inputs[i], given[i] = true;
    auto v = ReadInputFile(path, vi);
    if (!v.ok()) return Fail("input '" + name + "': " + v.status().message());
    feeds.emplace_back(name, std::move(v).value());
  }
  if (!f.input_dir.empty()) {
    for (size_t i = 0; i < graph.inputs.size(); ++i) {
      if (given[i]) continue;
      fs::path pb = fs::path(f.input_dir) / ("input_" + std::to_string(i) + ".pb");
      fs::path npy = fs::path(f.input_dir) / ("input_" + std::to_string(i) + ".npy");
      fs::path path = fs::exists(pb) ? pb : npy;
      if (!fs::exists(path)) {
        if (graph.inputs[i].kind == ValueInfo::Kind::kOptional) continue;
        return Fail("input " + std::to_string(i) + " ('" + graph.inputs[i].name + "'): no file " + pb.string());
      }
      auto v = ReadInputFile(path.string(), graph.inputs[i]);
      if (!v.ok()) return Fail("input " + std::to_string(i) + " ('" + graph.inputs[i].name + "'): " + v.status().message());
      feeds.emplace_back(graph.inputs[i].name, std::move(v).value());
      given[i] = true;
    }
  }
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    if (!given[i] && graph.inputs[i].kind != ValueInfo::Kind::kOptional) {
      return Fail("no value for input '" + graph.inputs[i].name + "' (use --input-dir or --input NAME=FILE)");
    }
  }

  auto outputs = (*session)->Run(feeds);
  if (!outputs.ok()) return Fail(outputs.status().message());

  if (f.repeat > 0) {
    std::vector<double> ms;
    for (int r = 0; r < f.repeat; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      auto again = (*session)->Run(feeds);
      if (!again.ok()) return Fail(again.status().message());
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    auto pct = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<size_t>(p * ms.size()))]; };
    double mean = std::accumulate(ms.begin(), ms.end(), 0.0) / ms.size();
    std::printf("load %.2f ms; %d runs: min %.3f ms, p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, mean %.3f ms\n", load_ms,
                f.repeat, ms.front(), pct(0.5), pct(0.9), pct(0.99), mean);
  }

  if (!f.output_dir.empty()) {
    std::error_code ec;
    fs::create_directories(f.output_dir, ec);
    if (ec) return Fail("cannot create output folder '" + f.output_dir + "': " + ec.message());
    for (size_t i = 0; i < outputs->size(); ++i) {
      const Value& v = (*outputs)[i];
      std::string name = i < graph.outputs.size() ? graph.outputs[i].name : "output_" + std::to_string(i);
      if (!v.is_tensor()) return Fail("output '" + name + "' is not a tensor; only tensors can be written");
      fs::path path = fs::path(f.output_dir) / ("output_" + std::to_string(i) + "." + f.format);
      Status st = f.format == "npy" ? WriteNpy(v.tensor(), path.string())
                                    : WriteTensorFile(v.tensor(), name, path.string());
      if (!st.ok()) return Fail(st.message());
    }
  } else if (!f.quiet) {
    for (size_t i = 0; i < outputs->size(); ++i)
      PrintSummary(i < graph.outputs.size() ? graph.outputs[i].name : "output_" + std::to_string(i), (*outputs)[i]);
  }
  return 0;
}

}  // namespace

CommandRunner AddRunCommand(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* sub = app.add_subcommand("run", "Run a model once on inputs read from files");
  sub->add_option("model", flags->model, "ONNX model file")->required();
  sub->add_option("--input-dir", flags->input_dir,
                  "Folder with input_<i>.pb (ONNX TensorProto) or input_<i>.npy, one per graph input in order");
  sub->add_option("--output-dir", flags->output_dir, "Folder to write output_<i>.<format> into, in graph-output order");
  sub->add_option("--input", flags->inputs, "NAME=FILE (.npy or .pb); may be repeated");
  sub->add_option("--format", flags->format, "Output file format")->check(CLI::IsMember({"pb", "npy"}))->capture_default_str();
  sub->add_option("--repeat", flags->repeat, "Run N more times and print latency figures")->check(CLI::NonNegativeNumber);
  sub->add_flag("--quiet", flags->quiet, "Do not print output summaries");
  sub->add_flag("--dump-graph", flags->dump_graph,
                "Print the optimized graph (one line per node: name, op, inputs -> outputs, provider) and exit");
  sub->add_option("--optimization-level", flags->optimization_level,
                  "Graph optimizations: 0 none, 1 basic (folding, eliminations), 2 all (also fusions)")
      ->check(CLI::Range(0, 2))
      ->capture_default_str();
  return [flags] { return Run(*flags); };
}

}  // namespace berth::cli
