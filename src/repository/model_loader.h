#pragma once
// The loader: loads one version of one model (TF Serving's "loader") into a LoadedModel — the
// session plus the completed configuration and the tensor contract that requests are checked
// against.
//
// Config completion (as Triton's auto-complete for ONNX): whatever config.pbtxt leaves out is taken
// from the model — name, platform "onnxruntime_onnx", backend "onnxruntime", inputs and outputs with
// data_type and dims, instance_group { count: 1 kind: KIND_CPU }, version_policy latest { 1 };
// max_batch_size stays 0 unless the config sets it. Whatever the config does say is checked against
// the model, and a mismatch is an error naming the tensor and both sides.
//
// Thread-safety: LoadedModel is immutable after loading; share it as std::shared_ptr<const
// LoadedModel> so that requests in flight keep their version alive across a reload or unload.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "berth/session.h"
#include "berth/status.h"
#include "berth/tensor.h"
#include "repository/model_config.pb.h"
#include "repository/model_source.h"
#include "scheduler/scheduler.h"
#include "server/metrics.h"

namespace berth {


// One input or output as clients see it.
struct TensorSpec {
  std::string name;
  DataType dtype = DataType::kUndefined;  // kUndefined: the model does not say (any type accepted)
  bool any_shape = false;                 // the model does not give a rank: any shape accepted
  // Client-facing shape: config dims, with a leading -1 batch dimension when max_batch_size > 0.
  Shape dims;
  // The shape the model sees (config reshape.shape, without the batch dimension), if the config
  // has a reshape.
  bool has_reshape = false;
  Shape reshape;
  bool optional = false;
};

struct LoadedModel {
  std::string name;
  int64_t version = 0;
  inference::ModelConfig config;  // completed
  std::unique_ptr<Session> session;
  std::vector<TensorSpec> inputs;   // config order
  std::vector<TensorSpec> outputs;  // config order
  // What was loaded (config text, model file size and time): an unchanged version is not reloaded.
  std::string fingerprint;
  // Unique per load in this process: a reload of the same version number gets a new one (the
  // response cache keys on it).
  uint64_t load_id = 0;
  // Queues and runs this version's requests (instance_group, dynamic_batching). Declared after
  // `session`, so it is stopped (its workers joined) before the session goes.
  std::unique_ptr<Scheduler> scheduler;
  // This version's metric series (records nothing when loaded without metrics).
  ModelMetrics metrics;

  std::string version_string() const { return std::to_string(version); }
};

// Loads `version` of `model` and starts its scheduler. Warnings about the config (e.g. KIND_GPU on a
// CPU server) are appended to `warnings`. Errors name the file or the tensor and what was wrong.
// `metrics` (may be null) receives the scheduler's queue and execution metrics and must outlive the
// LoadedModel. The session's intra-op threads are capped so that instances x threads <= cores
// (parameters { key: "intra_op_thread_count" } in config.pbtxt overrides, as in Triton's ONNX
// Runtime backend).
StatusOr<std::shared_ptr<const LoadedModel>> LoadModelVersion(const ModelOnDisk& model, int64_t version,
                                                              std::vector<std::string>* warnings,
                                                              ServerMetrics* metrics = nullptr);

// Fills in and checks `config` against the model's declared inputs and outputs (see above).
// `model_name` is the model folder's name. Exposed for tests.
Status CompleteModelConfig(const std::string& model_name, const std::vector<TensorInfo>& model_inputs,
                           const std::vector<TensorInfo>& model_outputs, inference::ModelConfig* config,
                           std::vector<std::string>* warnings);

// The fingerprint LoadModelVersion would record for this version as it is on disk now.
std::string ModelVersionFingerprint(const ModelOnDisk& model, int64_t version);

}  // namespace berth
