#include "repository/model_loader.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <filesystem>
#include <map>

#include "common/logging.h"
#include "repository/model_config.h"
#include "server/metrics.h"

namespace berth {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPlatform = "onnxruntime_onnx";
constexpr const char* kBackend = "onnxruntime";

std::string Quoted(const std::vector<TensorInfo>& infos) {
  std::string out;
  for (const TensorInfo& info : infos) out += (out.empty() ? "'" : ", '") + info.name + "'";
  return out.empty() ? "none" : out;
}

template <typename RepeatedInt>
Shape ToShape(const RepeatedInt& dims) {
  return Shape(dims.begin(), dims.end());
}

// True if a shape the config promises (`config`) is compatible with the model's (`model`): same rank,
// and where both give a size, the same size. -1 on either side is a variable dimension.
bool ShapesCompatible(const Shape& config, const Shape& model) {
  if (config.size() != model.size()) return false;
  for (size_t i = 0; i < config.size(); ++i) {
    if (config[i] >= 0 && model[i] >= 0 && config[i] != model[i]) return false;
  }
  return true;
}

Status CheckDims(const std::string& what, const Shape& dims) {
  for (int64_t d : dims) {
    if (d < -1)
      return InvalidArgument(what + ": invalid dimension " + std::to_string(d) + " in " + ShapeToString(dims));
  }
  return Status::Ok();
}

// Completes and checks one config input or output (ModelInput and ModelOutput share these fields).
template <typename ConfigTensor>
Status CompleteTensor(const char* kind, const TensorInfo& model, int32_t max_batch_size, ConfigTensor* config,
                      TensorSpec* spec) {
  const std::string what = std::string(kind) + " '" + model.name + "'";
  if (!model.is_tensor) {
    return InvalidArgument(what + " is not a tensor (sequence and optional values cannot be served)");
  }

  // Data type.
  inference::DataType model_type = ToConfigDataType(model.dtype);
  if (config->data_type() == inference::TYPE_INVALID) {
    config->set_data_type(model_type);
  } else if (model_type != inference::TYPE_INVALID && config->data_type() != model_type) {
    return InvalidArgument(what + ": config.pbtxt gives data_type " + ConfigDataTypeName(config->data_type()) +
                           " but the model has " + ConfigDataTypeName(model_type));
  }
  spec->name = model.name;
  spec->dtype = FromConfigDataType(config->data_type());

  // The model's shape without the batch dimension.
  Shape model_dims = model.dims;
  if (max_batch_size > 0 && model.has_shape) {
    if (model_dims.empty()) {
      return InvalidArgument(what + ": max_batch_size is " + std::to_string(max_batch_size) +
                             " but the model's tensor is a scalar (no batch dimension)");
    }
    int64_t first = model_dims[0];
    if (first >= 0 && !(first == 1 && max_batch_size == 1)) {
      return InvalidArgument(what + ": max_batch_size is " + std::to_string(max_batch_size) +
                             " but the model's first dimension is fixed at " + std::to_string(first) + " (shape " +
                             ShapeToString(model.dims) + "); use max_batch_size: 0 and give the full shape in dims");
    }
    model_dims.erase(model_dims.begin());
  }

  // Shape: fill from the model when the config gives none.
  if (config->dims_size() == 0 && !config->has_reshape()) {
    if (model.has_shape) {
      for (int64_t d : model_dims) config->add_dims(d < 0 ? -1 : d);
    } else {
      spec->any_shape = true;
    }
  }
  Shape dims = ToShape(config->dims());
  RETURN_IF_ERROR(CheckDims(what + ": config.pbtxt dims", dims));
  if (config->has_reshape()) {
    Shape reshape = ToShape(config->reshape().shape());
    RETURN_IF_ERROR(CheckDims(what + ": config.pbtxt reshape", reshape));
    if (std::count(reshape.begin(), reshape.end(), -1) > 1) {
      return InvalidArgument(what + ": config.pbtxt reshape " + ShapeToString(reshape) +
                             " has more than one variable (-1) dimension");
    }
    bool dims_fixed = std::none_of(dims.begin(), dims.end(), [](int64_t d) { return d < 0; });
    bool reshape_fixed = std::none_of(reshape.begin(), reshape.end(), [](int64_t d) { return d < 0; });
    if (dims_fixed && reshape_fixed && NumElements(dims) != NumElements(reshape)) {
      return InvalidArgument(what + ": config.pbtxt reshape " + ShapeToString(reshape) + " has " +
                             std::to_string(NumElements(reshape)) + " elements but dims " + ShapeToString(dims) +
                             " has " + std::to_string(NumElements(dims)));
    }
    spec->has_reshape = true;
    spec->reshape = reshape;
  }
  if (model.has_shape && !spec->any_shape) {
    const Shape& seen_by_model = spec->has_reshape ? spec->reshape : dims;
    if (!ShapesCompatible(seen_by_model, model_dims)) {
      std::string batch_note = max_batch_size > 0 ? " (without the batch dimension, as max_batch_size is " +
                                                        std::to_string(max_batch_size) + ")"
                                                  : "";
      return InvalidArgument(what + ": config.pbtxt " + (spec->has_reshape ? "reshape " : "dims ") +
                             ShapeToString(seen_by_model) + " do not match the model's shape " +
                             ShapeToString(model_dims) + batch_note);
    }
  }

  spec->dims.clear();
  if (max_batch_size > 0) spec->dims.push_back(-1);
  spec->dims.insert(spec->dims.end(), dims.begin(), dims.end());
  return Status::Ok();
}

// Completes and checks the config's inputs (or outputs) against the model's, then appends the model
// tensors the config does not mention.
template <typename ConfigTensor, typename Repeated>
Status CompleteTensors(const char* kind, const std::vector<TensorInfo>& model, int32_t max_batch_size, Repeated* config,
                       std::vector<TensorSpec>* specs) {
  std::map<std::string, int> seen;
  for (int i = 0; i < config->size(); ++i) {
    ConfigTensor* tensor = config->Mutable(i);
    if (tensor->name().empty()) {
      return InvalidArgument(std::string("config.pbtxt: ") + kind + " #" + std::to_string(i + 1) + " has no name");
    }
    if (!seen.emplace(tensor->name(), i).second) {
      return InvalidArgument(std::string("config.pbtxt: ") + kind + " '" + tensor->name() + "' is listed twice");
    }
    auto it = std::find_if(model.begin(), model.end(), [&](const TensorInfo& t) { return t.name == tensor->name(); });
    if (it == model.end()) {
      return InvalidArgument(std::string("config.pbtxt: ") + kind + " '" + tensor->name() + "' is not an " + kind +
                             " of the model (the model's " + kind + "s are " + Quoted(model) + ")");
    }
    TensorSpec spec;
    RETURN_IF_ERROR(CompleteTensor(kind, *it, max_batch_size, tensor, &spec));
    if constexpr (std::is_same_v<ConfigTensor, inference::ModelInput>) spec.optional = tensor->optional();
    specs->push_back(std::move(spec));
  }
  for (const TensorInfo& info : model) {
    if (seen.count(info.name)) continue;
    ConfigTensor* tensor = config->Add();
    tensor->set_name(info.name);
    TensorSpec spec;
    RETURN_IF_ERROR(CompleteTensor(kind, info, max_batch_size, tensor, &spec));
    specs->push_back(std::move(spec));
  }
  return Status::Ok();
}

Status CompleteAndBuildSpecs(const std::string& model_name, const std::vector<TensorInfo>& model_inputs,
                             const std::vector<TensorInfo>& model_outputs, inference::ModelConfig* config,
                             std::vector<TensorSpec>* inputs, std::vector<TensorSpec>* outputs,
                             std::vector<std::string>* warnings) {
  if (config->name().empty()) {
    config->set_name(model_name);
  } else if (config->name() != model_name) {
    return InvalidArgument("config.pbtxt: name '" + config->name() + "' does not match the model folder '" +
                           model_name + "'");
  }
  if (config->platform().empty()) {
    config->set_platform(kPlatform);
  } else if (config->platform() != kPlatform) {
    return InvalidArgument("config.pbtxt: unsupported platform '" + config->platform() +
                           "' (Berth serves ONNX models: platform '" + kPlatform + "')");
  }
  if (config->backend().empty()) {
    config->set_backend(kBackend);
  } else if (config->backend() != kBackend) {
    return InvalidArgument("config.pbtxt: unsupported backend '" + config->backend() +
                           "' (Berth serves ONNX models: backend '" + kBackend + "')");
  }
  if (config->max_batch_size() < 0) {
    return InvalidArgument("config.pbtxt: max_batch_size must be >= 0, got " +
                           std::to_string(config->max_batch_size()));
  }
  const int32_t max_batch_size = config->max_batch_size();

  RETURN_IF_ERROR(
      CompleteTensors<inference::ModelInput>("input", model_inputs, max_batch_size, config->mutable_input(), inputs));
  RETURN_IF_ERROR(CompleteTensors<inference::ModelOutput>("output", model_outputs, max_batch_size,
                                                          config->mutable_output(), outputs));

  if (config->instance_group_size() == 0) config->add_instance_group();
  for (int i = 0; i < config->instance_group_size(); ++i) {
    inference::ModelInstanceGroup* group = config->mutable_instance_group(i);
    if (group->name().empty()) group->set_name(model_name + (i == 0 ? "" : "_" + std::to_string(i)));
    if (group->count() < 0) {
      return InvalidArgument("config.pbtxt: instance_group '" + group->name() + "' has count " +
                             std::to_string(group->count()) + " (must be >= 1)");
    }
    if (group->count() == 0) group->set_count(1);
    if (group->kind() == inference::ModelInstanceGroup::KIND_GPU) {
      warnings->push_back("instance_group '" + group->name() + "' asks for KIND_GPU; Berth runs it on the CPU");
    }
    if (group->kind() != inference::ModelInstanceGroup::KIND_CPU) {
      group->set_kind(inference::ModelInstanceGroup::KIND_CPU);
    }
  }

  inference::ModelVersionPolicy* policy = config->mutable_version_policy();
  if (policy->policy_choice_case() == inference::ModelVersionPolicy::POLICY_CHOICE_NOT_SET) {
    policy->mutable_latest()->set_num_versions(1);
  } else if (policy->has_latest() && policy->latest().num_versions() == 0) {
    policy->mutable_latest()->set_num_versions(1);
  }

  if (config->has_dynamic_batching()) {
    if (max_batch_size == 0) {
      warnings->push_back("dynamic_batching has no effect with max_batch_size 0");
    }
    for (int32_t size : config->dynamic_batching().preferred_batch_size()) {
      if (size < 1 || (max_batch_size > 0 && size > max_batch_size)) {
        return InvalidArgument("config.pbtxt: dynamic_batching preferred_batch_size " + std::to_string(size) +
                               " must be between 1 and max_batch_size " + std::to_string(max_batch_size));
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status CompleteModelConfig(const std::string& model_name, const std::vector<TensorInfo>& model_inputs,
                           const std::vector<TensorInfo>& model_outputs, inference::ModelConfig* config,
                           std::vector<std::string>* warnings) {
  std::vector<TensorSpec> inputs, outputs;
  return CompleteAndBuildSpecs(model_name, model_inputs, model_outputs, config, &inputs, &outputs, warnings);
}

std::string ModelVersionFingerprint(const ModelOnDisk& model, int64_t version) {
  fs::path file = model.ModelFile(version);
  std::error_code ec;
  std::string fingerprint = file.string();
  auto size = fs::file_size(file, ec);
  fingerprint += "|" + (ec ? std::string("?") : std::to_string(size));
  auto time = fs::last_write_time(file, ec);
  fingerprint += "|" + (ec ? std::string("?") : std::to_string(time.time_since_epoch().count()));
  fingerprint += "|" + model.config_text;
  return fingerprint;
}

namespace {

// Session options for `config`: the thread budget (see LoadModelVersion).
StatusOr<SessionOptions> SessionOptionsFor(const inference::ModelConfig& config) {
  SessionOptions options;
  int64_t instances = 0;
  for (const inference::ModelInstanceGroup& group : config.instance_group()) instances += std::max(group.count(), 0);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  options.intra_op_threads = IntraOpThreadsFor(static_cast<int>(std::clamp<int64_t>(instances, 1, 1 << 20)), cores);
  auto parameter = config.parameters().find("intra_op_thread_count");
  if (parameter != config.parameters().end()) {
    const std::string& text = parameter->second.string_value();
    int threads = -1;
    try {
      size_t used = 0;
      threads = std::stoi(text, &used);
      if (used != text.size()) threads = -1;
    } catch (const std::exception&) {
      threads = -1;
    }
    if (threads < 0 || threads > 4096) {
      return InvalidArgument("config.pbtxt: parameters intra_op_thread_count must be a number 0..4096, got '" + text +
                             "'");
    }
    options.intra_op_threads = threads;
  }
  return options;
}

std::atomic<uint64_t> next_load_id{1};

}  // namespace

StatusOr<std::shared_ptr<const LoadedModel>> LoadModelVersion(const ModelOnDisk& model, int64_t version,
                                                              std::vector<std::string>* warnings,
                                                              ServerMetrics* metrics) {
  fs::path version_dir = model.dir / std::to_string(version);
  std::error_code ec;
  if (!fs::is_directory(version_dir, ec)) {
    return NotFound("version folder '" + version_dir.string() + "' does not exist");
  }
  fs::path file = model.ModelFile(version);
  if (!fs::exists(file, ec)) {
    return NotFound("model file '" + file.string() + "' does not exist" +
                    (model.config.default_model_filename().empty()
                         ? std::string(" (set default_model_filename in config.pbtxt for another name)")
                         : std::string()));
  }

  auto loaded = std::make_shared<LoadedModel>();
  loaded->name = model.name;
  loaded->version = version;
  loaded->fingerprint = ModelVersionFingerprint(model, version);
  loaded->load_id = next_load_id.fetch_add(1);
  ASSIGN_OR_RETURN(SessionOptions session_options, SessionOptionsFor(model.config));
  ASSIGN_OR_RETURN(loaded->session, Session::Load(file.string(), session_options));
  loaded->config = model.config;
  RETURN_IF_ERROR(CompleteAndBuildSpecs(model.name, loaded->session->inputs(), loaded->session->outputs(),
                                        &loaded->config, &loaded->inputs, &loaded->outputs, warnings));

  const std::string version_string = loaded->version_string();
  ASSIGN_OR_RETURN(SchedulerConfig scheduler_config, SchedulerConfig::FromModelConfig(loaded->config, version_string));
  std::vector<std::string> output_names;
  for (const TensorInfo& output : loaded->session->outputs()) output_names.push_back(output.name);
  const Session* session = loaded->session.get();
  ExecuteFn execute = [session](const NamedValues& inputs) { return session->Run(inputs); };
  SchedulerHooks hooks;
  if (metrics != nullptr) {
    const ModelMetrics series = metrics->ForModel(model.name, version_string);
    loaded->metrics = series;
    hooks.on_execute = [series](int64_t rows, int64_t requests) { series.RecordExecution(rows, requests); };
    hooks.on_queue_change = [series](int64_t delta) { series.AddQueued(delta); };
  }
  std::vector<int64_t> preferred = scheduler_config.preferred_batch_sizes;
  LogEvent(LogLevel::kInfo, "model_scheduler",
           {{"model", model.name},
            {"version", version_string},
            {"instances", scheduler_config.instances},
            {"intra_op_threads", session_options.intra_op_threads},
            {"max_batch_size", scheduler_config.max_batch_size},
            {"dynamic_batching", scheduler_config.dynamic_batching},
            {"preferred_batch_size", preferred},
            {"max_queue_delay_us", scheduler_config.max_queue_delay_us},
            {"max_queue_size", scheduler_config.default_policy.max_queue_size},
            {"priority_levels", scheduler_config.priority_levels},
            {"response_cache", loaded->config.response_cache().enable()}});
  ASSIGN_OR_RETURN(loaded->scheduler,
                   Scheduler::Create(std::move(scheduler_config), std::move(execute), std::move(output_names),
                                     std::move(hooks)));
  return std::shared_ptr<const LoadedModel>(std::move(loaded));
}

}  // namespace berth
