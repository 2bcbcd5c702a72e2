#include "server/core_server.h"

#include <algorithm>
#include <exception>
#include <map>

#include "berth/value.h"
#include "common/logging.h"
#include "repository/model_config.h"
#include "repository/model_manager.h"
#include "server/kserve_types.h"
#include "server/metrics.h"

namespace berth {

namespace {

// Keep in step with project(VERSION) in CMakeLists.txt and `berth --version`.
constexpr const char* kServerVersion = BERTH_VERSION;  // from CMakeLists.txt project()

using Clock = std::chrono::steady_clock;

int64_t Micros(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
}

// The short label failures are counted under (see ServerMetrics::RecordFailure).
std::string FailureReason(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
    case StatusCode::kFailedPrecondition: return "invalid_argument";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kDeadlineExceeded: return "timeout";
    case StatusCode::kResourceExhausted: return "queue_full";
    case StatusCode::kCancelled: return "cancelled";
    case StatusCode::kUnimplemented: return "unimplemented";
    default: return "internal";
  }
}

std::string QuotedNames(const std::vector<TensorSpec>& specs) {
  std::string out;
  for (const TensorSpec& spec : specs) out += (out.empty() ? "'" : ", '") + spec.name + "'";
  return out.empty() ? "none" : out;
}

size_t FindSpec(const std::vector<TensorSpec>& specs, const std::string& name) {
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].name == name) return i;
  }
  return specs.size();
}

std::string KServeName(DataType type) {
  std::string_view name = DataTypeToKServe(type);
  return name.empty() ? std::string(DataTypeName(type)) : std::string(name);
}

// `pattern` with its single -1 (if any) resolved so that the shape has `numel` elements.
std::optional<Shape> ResolveShape(Shape pattern, int64_t numel) {
  int64_t known = 1;
  int unknown = -1;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] < 0) {
      if (unknown >= 0) return std::nullopt;
      unknown = static_cast<int>(i);
    } else {
      known *= pattern[i];
    }
  }
  if (unknown >= 0) {
    if (known == 0 || numel % known != 0) return std::nullopt;
    pattern[static_cast<size_t>(unknown)] = numel / known;
  }
  if (NumElements(pattern) != numel) return std::nullopt;
  return pattern;
}

// Data type, size and shape of one request tensor against its spec.
Status CheckInputTensor(const TensorSpec& spec, const Tensor& tensor, int32_t max_batch_size, int64_t max_elements) {
  const std::string what = "input '" + spec.name + "'";
  if (!tensor.defined()) return InvalidArgument(what + ": no tensor data");
  if (spec.dtype != DataType::kUndefined && tensor.dtype() != spec.dtype) {
    return InvalidArgument(what + ": expected datatype " + KServeName(spec.dtype) + ", got " +
                           KServeName(tensor.dtype()));
  }
  for (int64_t d : tensor.shape()) {
    if (d < 0) return InvalidArgument(what + ": invalid shape " + ShapeToString(tensor.shape()));
  }
  if (tensor.numel() > max_elements) {
    return InvalidArgument(what + ": " + std::to_string(tensor.numel()) + " elements exceed the limit of " +
                           std::to_string(max_elements));
  }
  if (tensor.numel() > 0 && tensor.raw_data() == nullptr) return InvalidArgument(what + ": tensor has no data");
  if (spec.any_shape) {
    if (max_batch_size > 0 && tensor.rank() == 0) {
      return InvalidArgument(what + ": expected a leading batch dimension, got a scalar");
    }
    return Status::Ok();
  }
  bool match = tensor.shape().size() == spec.dims.size();
  for (size_t i = 0; match && i < spec.dims.size(); ++i) {
    if (spec.dims[i] >= 0 && spec.dims[i] != tensor.shape()[i]) match = false;
  }
  if (!match) {
    return InvalidArgument(what + ": expected shape " + ShapeToString(spec.dims) + ", got " +
                           ShapeToString(tensor.shape()));
  }
  return Status::Ok();
}

}  // namespace

CoreServer::CoreServer(const ServerOptions& options) : options_(options), metrics_(std::make_unique<ServerMetrics>()) {}

CoreServer::~CoreServer() = default;

StatusOr<std::unique_ptr<CoreServer>> CoreServer::Create(const ServerOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<ModelSource> source, ModelSource::Create(options.model_repository));
  ASSIGN_OR_RETURN(std::vector<std::string> on_disk, source->ListModels());

  std::unique_ptr<CoreServer> server(new CoreServer(options));
  server->manager_ = std::make_unique<ModelManager>(std::move(source), server->metrics_.get());

  std::vector<std::string> startup;
  bool all =
      std::find(options.startup_models.begin(), options.startup_models.end(), "*") != options.startup_models.end();
  if (all || (options.startup_models.empty() && !options.explicit_model_control)) {
    startup = on_disk;
  } else {
    startup = options.startup_models;
  }
  LogEvent(LogLevel::kInfo, "model_repository",
           {{"path", options.model_repository},
            {"models_found", on_disk},
            {"models_to_load", startup},
            {"explicit_model_control", options.explicit_model_control}});

  for (const std::string& name : startup) {
    Status status = server->manager_->Load(name);
    if (status.ok() || server->manager_->IsKnown(name)) continue;
    // No folder (or not a valid name): the manager keeps no record of it, but it was asked for, so
    // the server is not ready until it appears and is loaded.
    if (status.code() != StatusCode::kNotFound) {
      LogEvent(LogLevel::kError, "model_load_failed", {{"model", name}, {"reason", status.message()}});
      server->metrics_->RecordLoadFailure(name);
    }
    std::lock_guard lock(server->missing_mutex_);
    server->missing_startup_models_.insert(name);
  }
  return server;
}

bool CoreServer::IsReady() const {
  if (!accepting_.load()) return false;
  {
    std::lock_guard lock(missing_mutex_);
    if (!missing_startup_models_.empty()) return false;
  }
  return manager_->AllServedReady();
}

std::string CoreServer::ServerVersion() const { return kServerVersion; }

std::vector<std::string> CoreServer::Extensions() const {
  return {"binary_tensor_data", "model_repository", "model_configuration"};
}

StatusOr<ModelMetadata> CoreServer::GetModelMetadata(const std::string& name, int64_t version) const {
  ASSIGN_OR_RETURN(std::shared_ptr<const LoadedModel> model, manager_->Get(name, version));
  ModelMetadata metadata;
  metadata.name = model->name;
  for (int64_t v : manager_->ReadyVersions(name)) metadata.versions.push_back(std::to_string(v));
  metadata.platform = model->config.platform();
  for (const TensorSpec& spec : model->inputs) {
    metadata.inputs.push_back({spec.name, std::string(DataTypeToKServe(spec.dtype)), spec.dims});
  }
  for (const TensorSpec& spec : model->outputs) {
    metadata.outputs.push_back({spec.name, std::string(DataTypeToKServe(spec.dtype)), spec.dims});
  }
  return metadata;
}

StatusOr<std::string> CoreServer::GetModelConfigJson(const std::string& name, int64_t version) const {
  ASSIGN_OR_RETURN(std::shared_ptr<const LoadedModel> model, manager_->Get(name, version));
  return ModelConfigToJson(model->config);
}

StatusOr<bool> CoreServer::IsModelReady(const std::string& name, int64_t version) const {
  return manager_->IsReady(name, version);
}

void CoreServer::FinishRequest() {
  if (inflight_.fetch_sub(1) == 1 && !accepting_.load()) {
    std::lock_guard lock(drain_mutex_);
    drained_.notify_all();
  }
}

StatusOr<InferenceResponse> CoreServer::Infer(InferenceRequest request) {
  // Count first, then check: Drain() clears accepting_ before it reads inflight_, so a request
  // either sees the flag or is waited for.
  inflight_.fetch_add(1);
  struct Finish {
    CoreServer* server;
    ~Finish() { server->FinishRequest(); }
  } finish{this};
  if (!accepting_.load()) return Unavailable("server is shutting down");

  const std::string& name = request.model_name;
  StatusOr<std::shared_ptr<const LoadedModel>> found = manager_->Get(name, request.model_version);
  if (!found.ok()) {
    // Only models the server knows get labelled metrics: request names must not create series.
    if (manager_->IsKnown(name)) {
      metrics_->RecordFailure(name, request.model_version >= 0 ? std::to_string(request.model_version) : "",
                              FailureReason(found.status().code()));
    }
    return found.status();
  }
  std::shared_ptr<const LoadedModel> model = std::move(found).value();
  const std::string version = model->version_string();

  metrics_->AddInflight(name, 1);
  StatusOr<InferenceResponse> response = InferOnModel(*model, request);
  metrics_->AddInflight(name, -1);
  if (!response.ok()) {
    metrics_->RecordFailure(name, version, FailureReason(response.status().code()));
    return response;
  }
  metrics_->RecordSuccess(name, version, response->batch_size, Micros(request.arrival, Clock::now()),
                          response->timings);
  return response;
}

StatusOr<InferenceResponse> CoreServer::InferOnModel(const LoadedModel& model, InferenceRequest& request) {
  const Clock::time_point start = Clock::now();
  const int32_t max_batch_size = model.config.max_batch_size();

  // Which inputs were given: each known, each once, none missing.
  std::vector<InferTensor*> given(model.inputs.size(), nullptr);
  for (InferTensor& input : request.inputs) {
    size_t i = FindSpec(model.inputs, input.name);
    if (i == model.inputs.size()) {
      return InvalidArgument("unknown input '" + input.name + "' for model '" + model.name + "' (expected " +
                             QuotedNames(model.inputs) + ")");
    }
    if (given[i] != nullptr) return InvalidArgument("input '" + input.name + "' is given more than once");
    given[i] = &input;
  }
  for (size_t i = 0; i < model.inputs.size(); ++i) {
    if (given[i] == nullptr && !model.inputs[i].optional) {
      return InvalidArgument("missing input '" + model.inputs[i].name + "' for model '" + model.name + "' (expected " +
                             QuotedNames(model.inputs) + ")");
    }
  }

  // Requested outputs, checked before anything runs.
  std::vector<size_t> outputs;
  if (request.requested_outputs.empty()) {
    for (size_t i = 0; i < model.outputs.size(); ++i) outputs.push_back(i);
  } else {
    for (const std::string& output : request.requested_outputs) {
      size_t i = FindSpec(model.outputs, output);
      if (i == model.outputs.size()) {
        return InvalidArgument("unknown output '" + output + "' for model '" + model.name + "' (expected " +
                               QuotedNames(model.outputs) + ")");
      }
      if (std::find(outputs.begin(), outputs.end(), i) != outputs.end()) {
        return InvalidArgument("output '" + output + "' is requested more than once");
      }
      outputs.push_back(i);
    }
  }

  // Each input's type and shape; with batching, one batch size for all, within max_batch_size.
  int64_t batch_size = -1;
  std::string batch_from;
  std::vector<std::pair<std::string, Value>> feeds;
  for (size_t i = 0; i < model.inputs.size(); ++i) {
    if (given[i] == nullptr) continue;
    const TensorSpec& spec = model.inputs[i];
    const Tensor& tensor = given[i]->tensor;
    RETURN_IF_ERROR(CheckInputTensor(spec, tensor, max_batch_size, options_.max_tensor_elements));
    Shape batch_dim;
    if (max_batch_size > 0) {
      int64_t batch = tensor.dim(0);
      if (batch > max_batch_size) {
        return InvalidArgument("input '" + spec.name + "': batch size " + std::to_string(batch) +
                               " exceeds max_batch_size " + std::to_string(max_batch_size) + " of model '" +
                               model.name + "'");
      }
      if (batch_size < 0) {
        batch_size = batch;
        batch_from = spec.name;
      } else if (batch != batch_size) {
        return InvalidArgument("input '" + spec.name + "': batch size " + std::to_string(batch) +
                               " differs from input '" + batch_from + "' (" + std::to_string(batch_size) + ")");
      }
      batch_dim.push_back(batch);
    }
    Tensor feed = tensor;
    if (spec.has_reshape) {
      Shape pattern = batch_dim;
      pattern.insert(pattern.end(), spec.reshape.begin(), spec.reshape.end());
      std::optional<Shape> shape = ResolveShape(pattern, tensor.numel());
      if (!shape) {
        return InvalidArgument("input '" + spec.name + "': shape " + ShapeToString(tensor.shape()) +
                               " cannot be reshaped to the model's " + ShapeToString(pattern));
      }
      feed = tensor.Reshaped(*shape);
    }
    feeds.emplace_back(spec.name, Value(std::move(feed)));
  }
  const Clock::time_point inputs_ready = Clock::now();

  ASSIGN_OR_RETURN(std::vector<Value> results, Execute(model, std::move(feeds)));
  const Clock::time_point executed = Clock::now();

  InferenceResponse response;
  response.model_name = model.name;
  response.model_version = model.version;
  response.id = request.id;
  response.batch_size = max_batch_size > 0 && batch_size >= 0 ? batch_size : 1;
  const std::vector<TensorInfo>& produced = model.session->outputs();
  for (size_t i : outputs) {
    const TensorSpec& spec = model.outputs[i];
    size_t j = 0;
    while (j < produced.size() && produced[j].name != spec.name) ++j;
    if (j >= produced.size() || j >= results.size()) {
      return Internal("model '" + model.name + "' did not produce output '" + spec.name + "'");
    }
    if (!results[j].is_tensor()) {
      return Internal("output '" + spec.name + "' of model '" + model.name +
                      "' is not a tensor (sequences cannot be returned)");
    }
    Tensor tensor = results[j].tensor();
    if (spec.has_reshape && !spec.any_shape) {
      Shape pattern = spec.dims;
      if (max_batch_size > 0 && tensor.rank() > 0) pattern[0] = tensor.dim(0);
      std::optional<Shape> shape = ResolveShape(pattern, tensor.numel());
      if (!shape) {
        return Internal("output '" + spec.name + "': shape " + ShapeToString(tensor.shape()) +
                        " cannot be reshaped to " + ShapeToString(pattern) + " as config.pbtxt says");
      }
      tensor = tensor.Reshaped(*shape);
    }
    response.outputs.push_back({spec.name, std::move(tensor)});
  }
  const Clock::time_point done = Clock::now();
  response.timings.compute_input_us = Micros(start, inputs_ready);
  response.timings.compute_infer_us = Micros(inputs_ready, executed);
  response.timings.compute_output_us = Micros(executed, done);
  return response;
}

StatusOr<std::vector<Value>> CoreServer::Execute(const LoadedModel& model,
                                                 std::vector<std::pair<std::string, Value>> inputs) {
  try {
    return model.session->Run(inputs);
  } catch (const std::exception& e) {
    return Internal("model '" + model.name + "' version " + model.version_string() + ": " + e.what());
  }
}

std::vector<ModelIndexEntry> CoreServer::RepositoryIndex(bool ready_only) const {
  std::vector<ModelIndexEntry> index;
  for (ModelVersionStatus& entry : manager_->Index()) {
    index.push_back({std::move(entry.name), std::move(entry.version), std::move(entry.state), std::move(entry.reason)});
  }
  {
    std::lock_guard lock(missing_mutex_);
    for (const std::string& name : missing_startup_models_) {
      bool listed = std::any_of(index.begin(), index.end(), [&](const ModelIndexEntry& e) { return e.name == name; });
      if (!listed) index.push_back({name, "", "UNAVAILABLE", "model '" + name + "' not found in the repository"});
    }
  }
  std::stable_sort(index.begin(), index.end(),
                   [](const ModelIndexEntry& a, const ModelIndexEntry& b) { return a.name < b.name; });
  if (ready_only) {
    index.erase(std::remove_if(index.begin(), index.end(), [](const ModelIndexEntry& e) { return e.state != "READY"; }),
                index.end());
  }
  return index;
}

Status CoreServer::LoadModel(const std::string& name) {
  Status status = manager_->Load(name);
  if (status.ok()) {
    std::lock_guard lock(missing_mutex_);
    missing_startup_models_.erase(name);
  }
  return status;
}

Status CoreServer::UnloadModel(const std::string& name) {
  {
    std::lock_guard lock(missing_mutex_);
    if (missing_startup_models_.erase(name) > 0 && !manager_->IsKnown(name)) return Status::Ok();
  }
  return manager_->Unload(name);
}

int64_t CoreServer::Drain(std::chrono::milliseconds timeout) {
  accepting_.store(false);
  std::unique_lock lock(drain_mutex_);
  drained_.wait_for(lock, timeout, [this] { return inflight_.load() == 0; });
  return inflight_.load();
}

}  // namespace berth
