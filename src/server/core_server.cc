#include "server/core_server.h"

#include <algorithm>
#include <exception>
#include <future>
#include <map>

#include "berth/value.h"
#include "common/logging.h"
#include "repository/model_config.h"
#include "repository/model_manager.h"
#include "scheduler/response_cache.h"
#include "scheduler/scheduler.h"
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

CoreServer::CoreServer(const ServerOptions& options)
    : options_(options),
      metrics_(std::make_unique<ServerMetrics>()),
      cache_(options.cache_size_bytes > 0 ? std::make_unique<ResponseCache>(options.cache_size_bytes) : nullptr) {}

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
  // The promise is shared with the completion: set_value may still be running on a worker thread
  // when get() returns here.
  auto promise = std::make_shared<std::promise<StatusOr<InferenceResponse>>>();
  std::future<StatusOr<InferenceResponse>> future = promise->get_future();
  InferAsync(std::move(request),
             [promise](StatusOr<InferenceResponse> response) { promise->set_value(std::move(response)); });
  return future.get();
}

void CoreServer::InferAsync(InferenceRequest request, InferDone done) {
  // Count first, then check: Drain() clears accepting_ before it reads inflight_, so a request
  // either sees the flag or is waited for.
  inflight_.fetch_add(1);
  if (!accepting_.load()) {
    done(Unavailable("server is shutting down"));
    FinishRequest();
    return;
  }

  const std::string name = request.model_name;
  StatusOr<std::shared_ptr<const LoadedModel>> found = manager_->Get(name, request.model_version);
  if (!found.ok()) {
    // Only models the server knows get labelled metrics: request names must not create series.
    if (manager_->IsKnown(name)) {
      metrics_->RecordFailure(name, request.model_version >= 0 ? std::to_string(request.model_version) : "",
                              FailureReason(found.status().code()));
    }
    done(found.status());
    FinishRequest();
    return;
  }
  std::shared_ptr<const LoadedModel> model = std::move(found).value();
  model->metrics.AddInflight(1);

  // Everything the completion needs; it runs once, on whichever thread finishes the request.
  struct Call {
    CoreServer* server;
    std::shared_ptr<const LoadedModel> model;
    InferenceRequest request;
    PreparedRequest prepared;
    std::string cache_material;  // non-empty: store the response in the cache
    InferDone done;
  };
  auto call = std::make_shared<Call>();
  call->server = this;
  call->model = model;
  call->done = std::move(done);
  auto finish = [](const std::shared_ptr<Call>& call, StatusOr<InferenceResponse> response) {
    CoreServer* server = call->server;
    const LoadedModel& model = *call->model;
    if (response.ok()) {
      model.metrics.RecordSuccess(response->batch_size, Micros(call->request.arrival, Clock::now()),
                                  response->timings);
    } else {
      server->metrics_->RecordFailure(model.name, model.version_string(), FailureReason(response.status().code()));
    }
    model.metrics.AddInflight(-1);
    InferDone done = std::move(call->done);
    call->model.reset();  // the version may go away now, before the caller hears back
    // Finished before the caller hears back: once Infer returns, InflightRequests() no longer
    // counts it. The server (and the scheduler running this) outlive `done`: destroying them joins
    // this thread.
    server->FinishRequest();
    done(std::move(response));
  };

  StatusOr<PreparedRequest> prepared = Prepare(*model, request);
  if (!prepared.ok()) {
    call->request = std::move(request);
    finish(call, prepared.status());
    return;
  }
  call->prepared = std::move(prepared).value();

  if (cache_ != nullptr && model->config.response_cache().enable()) {
    std::vector<std::string> output_names;
    for (size_t i : call->prepared.outputs) output_names.push_back(model->outputs[i].name);
    std::string material =
        CacheKeyMaterial(model->name, model->version, model->load_id, call->prepared.feeds, output_names);
    std::optional<NamedValues> cached = cache_->Lookup(material);
    metrics_->RecordCacheLookup(model->name, model->version_string(), cached.has_value());
    if (cached) {
      InferenceResponse response;
      response.model_name = model->name;
      response.model_version = model->version;
      response.id = request.id;
      response.batch_size = call->prepared.batch_size;
      for (auto& [output, value] : *cached) response.outputs.push_back({output, value.tensor()});
      response.timings.compute_input_us = Micros(call->prepared.start, Clock::now());
      call->request = std::move(request);
      finish(call, std::move(response));
      return;
    }
    call->cache_material = std::move(material);
  }

  auto complete = [call, finish](StatusOr<SchedulerResult> result) {
    if (!result.ok()) {
      finish(call, result.status());
      return;
    }
    const Clock::time_point executed = Clock::now();
    StatusOr<InferenceResponse> response =
        BuildResponse(*call->model, call->request.id, call->prepared, std::move(result->outputs));
    if (response.ok()) {
      response->timings.queue_us = result->queue_us;
      response->timings.compute_input_us = Micros(call->prepared.start, call->prepared.inputs_ready);
      response->timings.compute_infer_us = result->compute_us;
      response->timings.compute_output_us = Micros(executed, Clock::now());
      if (!call->cache_material.empty()) {
        NamedValues outputs;
        for (const InferTensor& output : response->outputs) outputs.emplace_back(output.name, Value(output.tensor));
        CoreServer* server = call->server;
        server->metrics_->RecordCacheEvictions(server->cache_->Insert(call->cache_material, outputs));
        server->metrics_->SetCacheUsage(server->cache_->size_bytes(), server->cache_->entries());
        call->cache_material.clear();
      }
    }
    finish(call, std::move(response));
  };

  SchedulerRequest work;
  work.inputs = call->prepared.feeds;
  work.priority = request.priority;
  work.timeout_us = request.timeout_us;
  work.arrival = request.arrival;
  work.allow_direct = request.allow_direct;
  call->request = std::move(request);
  call->request.inputs.clear();  // the feeds share the tensors; the request's copies are not needed

  if (model->scheduler == nullptr) {  // a LoadedModel built without one (tests): run here
    const Clock::time_point start = Clock::now();
    StatusOr<std::vector<Value>> ran = Execute(*model, std::move(work.inputs));
    if (!ran.ok()) {
      complete(ran.status());
      return;
    }
    SchedulerResult result;
    result.outputs = std::move(ran).value();
    result.compute_us = Micros(start, Clock::now());
    model->metrics.RecordExecution(call->prepared.batch_size, 1);
    complete(std::move(result));
    return;
  }
  Status queued = model->scheduler->Enqueue(std::move(work), complete);
  if (!queued.ok()) finish(call, queued);
}

StatusOr<PreparedRequest> CoreServer::Prepare(const LoadedModel& model, InferenceRequest& request) const {
  PreparedRequest prepared;
  prepared.start = Clock::now();
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
  std::vector<size_t>& outputs = prepared.outputs;
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
    prepared.feeds.emplace_back(spec.name, Value(std::move(feed)));
  }
  prepared.batch_size = max_batch_size > 0 && batch_size >= 0 ? batch_size : 1;
  prepared.inputs_ready = Clock::now();
  return prepared;
}

StatusOr<InferenceResponse> CoreServer::BuildResponse(const LoadedModel& model, const std::string& id,
                                                      const PreparedRequest& prepared, std::vector<Value> results) {
  const int32_t max_batch_size = model.config.max_batch_size();
  InferenceResponse response;
  response.model_name = model.name;
  response.model_version = model.version;
  response.id = id;
  response.batch_size = prepared.batch_size;
  const std::vector<TensorInfo>& produced = model.session->outputs();
  for (size_t i : prepared.outputs) {
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
