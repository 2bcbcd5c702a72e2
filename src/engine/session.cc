#include "berth/session.h"

#include <chrono>
#include <filesystem>
#include <map>

#include "engine/execution_plan.h"
#include "engine/optimizer/optimizer.h"
#include "engine/graph.h"
#include "engine/kernel_registry.h"
#include "engine/onnx/onnx_import.h"
#include "engine/onnx/tensor_proto.h"
#include "engine/thread_pool.h"
#include "providers/dnnl/blocked_layout_pass.h"
#include "providers/dnnl/register.h"
#include "providers/reference/register.h"

namespace berth {

namespace {

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

const KernelRegistry& DefaultKernelRegistry() {
  static const KernelRegistry* registry = [] {
    auto* r = new KernelRegistry();
    RegisterDnnlKernels(*r);  // first: tried before the reference kernels
    r->set_provider("reference");
    RegisterReferenceKernels(*r);
    return r;
  }();
  return *registry;
}

const KernelRegistry& ReferenceKernelRegistry() {
  static const KernelRegistry* registry = [] {
    auto* r = new KernelRegistry();
    RegisterReferenceKernels(*r);
    return r;
  }();
  return *registry;
}

Session::~Session() = default;

StatusOr<std::unique_ptr<Session>> Session::Load(const std::string& path, const SessionOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return NotFound("model file '" + path + "' does not exist");
  std::string base_dir = std::filesystem::path(path).parent_path().string();
  if (base_dir.empty()) base_dir = ".";
  ImportOptions import;
  import.base_dir = base_dir;
  import.infer_shapes = options.infer_shapes;
  import.registry = &DefaultKernelRegistry();
  const auto start = std::chrono::steady_clock::now();
  auto model = ImportOnnxModelFile(path, import);
  if (!model.ok()) return model.status().WithContext("model '" + path + "'");
  const double import_ms = MsSince(start);
  std::shared_ptr<Model> owned = std::move(model).value();
  auto session = CreateImpl(owned, owned.get(), options);
  if (!session.ok()) return session.status().WithContext("model '" + path + "'");
  (*session)->load_timings_.import_ms = import_ms;
  return session;
}

StatusOr<std::unique_ptr<Session>> Session::LoadFromBytes(std::string_view bytes, const std::string& base_dir,
                                                          const SessionOptions& options) {
  ImportOptions import;
  import.base_dir = base_dir;
  import.infer_shapes = options.infer_shapes;
  import.registry = &DefaultKernelRegistry();
  ASSIGN_OR_RETURN(std::shared_ptr<Model> model, ImportOnnxModel(bytes, import));
  Model* owned = model.get();
  return CreateImpl(std::move(model), owned, options);
}

namespace {

TensorInfo ToTensorInfo(const ValueInfo& vi) {
  TensorInfo info;
  info.name = vi.name;
  info.dtype = vi.dtype;
  info.is_tensor = vi.kind == ValueInfo::Kind::kTensor || vi.kind == ValueInfo::Kind::kUnknown;
  info.has_shape = vi.has_shape;
  info.dims = vi.dims;
  info.dim_names = vi.dim_names;
  return info;
}

std::string ExpectedShapeString(const TensorInfo& info) {
  std::string s = "[";
  for (size_t i = 0; i < info.dims.size(); ++i) {
    if (i) s += ",";
    s += info.dims[i] >= 0 ? std::to_string(info.dims[i])
                           : (info.dim_names[i].empty() ? std::string("-1") : info.dim_names[i]);
  }
  return s + "]";
}

}  // namespace

StatusOr<std::unique_ptr<Session>> Session::Create(std::shared_ptr<const Model> model, const SessionOptions& options) {
  return CreateImpl(std::move(model), nullptr, options);
}

StatusOr<std::unique_ptr<Session>> Session::CreateImpl(std::shared_ptr<const Model> model, Model* owned,
                                                       const SessionOptions& options) {
  if (!model || !model->graph) return InvalidArgument("model has no graph");
  auto start = std::chrono::steady_clock::now();
  std::unique_ptr<Session> session(new Session());
  session->model_ = model;
  session->options_ = options;
  std::shared_ptr<const Graph> graph = model->graph;
  // Graphs whose initializer maps the session may edit: its optimized copy, and the model's own graph
  // when the session loaded the model itself (nobody else holds it).
  std::vector<Graph*> editable;
  if (owned) editable.push_back(owned->graph.get());
  if (options.optimization_level > 0) {
    // The model keeps its original graph (metadata, dumps); the session plans an optimized copy.
    auto optimized = std::make_shared<Graph>(*model->graph);
    editable.push_back(optimized.get());
    OptimizerOptions optimizer_options;
    optimizer_options.level = options.optimization_level;
    RETURN_IF_ERROR(OptimizeGraph(*optimized, optimizer_options));
    if (options.optimization_level >= 2 && options.use_optimized_provider) {
      // Provider layout: keep activations nChw16c through chains of convolutions (dnnl only).
      auto blocked = ApplyBlockedLayout(*optimized);
      if (!blocked.ok()) return blocked.status().WithContext("blocked layout pass");
    }
    graph = std::move(optimized);
  }
  session->load_timings_.optimize_ms = MsSince(start);
  start = std::chrono::steady_clock::now();
  const KernelRegistry& registry =
      options.use_optimized_provider ? DefaultKernelRegistry() : ReferenceKernelRegistry();
  // Weights held once: a constant every reader keeps in its own form (prepacked) leaves the graphs as
  // soon as the last reader's kernel exists. Where the model is shared (Create), its graph keeps the
  // plain tensor and the kernels of all its sessions share one pack of it (the pack cache is keyed by
  // the buffer).
  auto release = [&editable](const std::string& name) {
    for (Graph* g : editable) g->initializers.erase(name);
  };
  ASSIGN_OR_RETURN(session->plan_, ExecutionPlan::Build(graph, registry, {}, release));
  session->load_timings_.plan_ms = MsSince(start);
  for (const ValueInfo& vi : model->graph->inputs) session->inputs_.push_back(ToTensorInfo(vi));
  for (const ValueInfo& vi : model->graph->outputs) session->outputs_.push_back(ToTensorInfo(vi));
  return session;
}

size_t Session::num_nodes() const { return plan_->num_nodes(); }

const Graph& Session::executed_graph() const { return plan_->graph(); }

std::vector<NodeProfile> Session::profile() const {
  if (!options_.enable_profiling) return {};
  return plan_->Profile();
}

std::vector<std::string> Session::node_providers() const { return plan_->NodeProviders(); }

StatusOr<std::vector<Value>> Session::Execute(std::vector<Value> inputs,
                                              const std::vector<std::pair<std::string, Value>>& overrides) const {
  // The run's share of the process-wide thread budget, held until it returns (see thread_pool.h).
  const int wanted = options_.intra_op_threads > 0 ? options_.intra_op_threads : PhysicalCoreCount();
  ThreadGrant grant(wanted);
  ThreadPool pool(grant.threads());
  RunState run;
  run.thread_pool = &pool;
  run.profile = options_.enable_profiling;
  run.use_arena = options_.intermediate_arena;
  auto result = plan_->Execute(std::move(inputs), overrides, {}, &run);
  size_t prev = peak_intermediate_bytes_.load();
  while (run.memory.peak > prev && !peak_intermediate_bytes_.compare_exchange_weak(prev, run.memory.peak)) {
  }
  return result;
}

Status Session::ValidateInputs(const std::vector<Value>& inputs) const {
  if (inputs.size() != inputs_.size()) {
    return InvalidArgument("expected " + std::to_string(inputs_.size()) + " inputs, got " +
                           std::to_string(inputs.size()));
  }
  if (!options_.validate_inputs) return Status::Ok();
  std::map<std::string, int64_t> symbols;  // symbolic dimension -> size seen
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorInfo& info = inputs_[i];
    const Value& v = inputs[i];
    if (!info.is_tensor) continue;
    if (!v.is_tensor()) return InvalidArgument("input '" + info.name + "': expected a tensor");
    const Tensor& t = v.tensor();
    if (info.dtype != DataType::kUndefined && t.dtype() != info.dtype) {
      return InvalidArgument("input '" + info.name + "': expected element type " +
                             std::string(DataTypeName(info.dtype)) + ", got " + std::string(DataTypeName(t.dtype())));
    }
    if (!info.has_shape) continue;
    bool match = static_cast<size_t>(t.rank()) == info.dims.size();
    for (size_t d = 0; match && d < info.dims.size(); ++d) {
      if (info.dims[d] >= 0 && info.dims[d] != t.dim(static_cast<int>(d))) match = false;
      if (info.dims[d] < 0 && !info.dim_names[d].empty()) {
        auto [it, inserted] = symbols.emplace(info.dim_names[d], t.dim(static_cast<int>(d)));
        if (!inserted && it->second != t.dim(static_cast<int>(d))) {
          return InvalidArgument("input '" + info.name + "': dimension '" + info.dim_names[d] + "' is " +
                                 std::to_string(t.dim(static_cast<int>(d))) + " but another input has it as " +
                                 std::to_string(it->second));
        }
      }
    }
    if (!match) {
      return InvalidArgument("input '" + info.name + "': expected shape " + ExpectedShapeString(info) + ", got " +
                             ShapeToString(t.shape()));
    }
  }
  return Status::Ok();
}

StatusOr<std::vector<Value>> Session::Run(const std::vector<Value>& inputs) const {
  RETURN_IF_ERROR(ValidateInputs(inputs));
  return Execute(inputs, {});
}

StatusOr<std::vector<Value>> Session::Run(const std::vector<std::pair<std::string, Value>>& named) const {
  std::vector<Value> ordered(inputs_.size());
  std::vector<bool> given(inputs_.size(), false);
  std::vector<std::pair<std::string, Value>> overrides;
  for (const auto& [name, value] : named) {
    size_t i = 0;
    while (i < inputs_.size() && inputs_[i].name != name) ++i;
    if (i < inputs_.size()) {
      ordered[i] = value;
      given[i] = true;
    } else if (model_->graph->overridable_initializers.count(name)) {
      overrides.emplace_back(name, value);
    } else {
      std::string expected;
      for (const TensorInfo& info : inputs_) expected += (expected.empty() ? "'" : ", '") + info.name + "'";
      return InvalidArgument("unknown input '" + name + "' (the model's inputs are " + expected + ")");
    }
  }
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (!given[i] && inputs_[i].is_tensor) return InvalidArgument("input '" + inputs_[i].name + "' is missing");
  }
  RETURN_IF_ERROR(ValidateInputs(ordered));
  return Execute(std::move(ordered), overrides);
}

}  // namespace berth
