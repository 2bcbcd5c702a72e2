#pragma once
// FakeInferenceServer: an InferenceServer with canned models, for testing the HTTP front end (unit
// tests, the fuzzer) without the repository or the engine. Header-only so that any test target can
// use it.
//
// Models:
//   "echo"    version 1: returns every input "INPUT<k>" as "OUTPUT<k>" (any type and shape).
//   "sleepy"  version 1: like echo, after sleeping `sleep_ms` (for drain and concurrency tests).
//   "broken"  version 1: known but not ready (inference answers Unavailable).
// Thread-safety: as InferenceServer.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "server/inference_server.h"
#include "server/metrics.h"

namespace berth::testing {

class FakeInferenceServer : public InferenceServer {
 public:
  std::atomic<int> sleep_ms{200};
  std::atomic<bool> ready{true};
  std::atomic<int> direct_requests{0};  // inferences whose front end allowed a run on its thread

  bool IsLive() const override { return true; }
  bool IsReady() const override { return ready.load() && !draining_.load(); }
  std::string ServerName() const override { return "berth"; }
  std::string ServerVersion() const override { return "0.1.0-test"; }
  std::vector<std::string> Extensions() const override {
    return {"binary_tensor_data", "model_repository"};
  }

  StatusOr<ModelMetadata> GetModelMetadata(const std::string& name,
                                           int64_t version) const override {
    RETURN_IF_ERROR(Check(name, version));
    ModelMetadata m;
    m.name = name;
    m.versions = {"1"};
    m.platform = "onnxruntime_onnx";
    m.inputs = {{"INPUT0", "FP32", {-1, 4}}};
    m.outputs = {{"OUTPUT0", "FP32", {-1, 4}}};
    return m;
  }

  StatusOr<std::string> GetModelConfigJson(const std::string& name,
                                           int64_t version) const override {
    RETURN_IF_ERROR(Check(name, version));
    return std::string("{\"name\":\"" + name +
                       "\",\"platform\":\"onnxruntime_onnx\",\"max_batch_size\":0}");
  }

  StatusOr<bool> IsModelReady(const std::string& name, int64_t version) const override {
    RETURN_IF_ERROR(Check(name, version));
    return name != "broken" && IsLoaded(name);
  }

  StatusOr<InferenceResponse> Infer(InferenceRequest request) override {
    if (draining_.load()) return Unavailable("the server is shutting down");
    RETURN_IF_ERROR(Check(request.model_name, request.model_version));
    if (request.model_name == "broken" || !IsLoaded(request.model_name)) {
      return Unavailable("model '" + request.model_name + "' is not ready");
    }
    Inflight guard(this);
    if (request.allow_direct) ++direct_requests;
    const auto started = std::chrono::steady_clock::now();
    if (request.model_name == "sleepy")
      std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms.load()));
    InferenceResponse response;
    // Reported like a real model's run time (the HTTP front end's inline policy learns from it).
    response.timings.compute_infer_us = std::max<int64_t>(
        1, std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started)
               .count());
    response.model_name = request.model_name;
    response.model_version = 1;
    response.id = request.id;
    for (InferTensor& input : request.inputs) {
      if (input.name.rfind("INPUT", 0) != 0) {
        return InvalidArgument("unknown input '" + input.name + "' for model '" +
                               request.model_name + "'");
      }
      std::string output = "OUTPUT" + input.name.substr(5);
      if (!request.requested_outputs.empty()) {
        bool wanted = false;
        for (const std::string& r : request.requested_outputs) wanted |= r == output;
        if (!wanted) continue;
      }
      response.outputs.push_back({output, input.tensor});
    }
    for (const std::string& r : request.requested_outputs) {
      bool found = false;
      for (const InferTensor& o : response.outputs) found |= o.name == r;
      if (!found)
        return InvalidArgument("unknown output '" + r + "' for model '" + request.model_name + "'");
    }
    response.batch_size = request.inputs.empty() || request.inputs[0].tensor.rank() == 0
                              ? 1
                              : request.inputs[0].tensor.dim(0);
    return response;
  }

  std::vector<ModelIndexEntry> RepositoryIndex(bool ready_only) const override {
    std::vector<ModelIndexEntry> out;
    for (const char* name : {"broken", "echo", "sleepy"}) {
      const bool is_ready = std::string(name) != "broken" && IsLoaded(name);
      if (ready_only && !is_ready) continue;
      out.push_back({name, is_ready ? "1" : "", is_ready ? "READY" : "UNAVAILABLE",
                     is_ready ? "" : "not loaded"});
    }
    return out;
  }

  Status LoadModel(const std::string& name) override {
    RETURN_IF_ERROR(Check(name, kLatestVersion));
    std::lock_guard lock(mutex_);
    unloaded_.erase(name);
    return Status::Ok();
  }

  Status UnloadModel(const std::string& name) override {
    RETURN_IF_ERROR(Check(name, kLatestVersion));
    std::lock_guard lock(mutex_);
    unloaded_.insert(name);
    return Status::Ok();
  }

  int64_t Drain(std::chrono::milliseconds timeout) override {
    draining_ = true;
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [this] { return inflight_ == 0; });
    return inflight_;
  }

  int64_t InflightRequests() const override {
    std::lock_guard lock(mutex_);
    return inflight_;
  }

  ServerMetrics& metrics() override { return metrics_; }

 private:
  struct Inflight {
    explicit Inflight(FakeInferenceServer* s) : server(s) {
      std::lock_guard lock(server->mutex_);
      ++server->inflight_;
    }
    ~Inflight() {
      std::lock_guard lock(server->mutex_);
      if (--server->inflight_ == 0) server->cv_.notify_all();
    }
    FakeInferenceServer* server;
  };

  static Status Check(const std::string& name, int64_t version) {
    if (name != "echo" && name != "sleepy" && name != "broken")
      return NotFound("unknown model '" + name + "'");
    if (version != kLatestVersion && version != 1) {
      return NotFound("model '" + name + "' has no version " + std::to_string(version));
    }
    return Status::Ok();
  }

  bool IsLoaded(const std::string& name) const {
    std::lock_guard lock(mutex_);
    return unloaded_.count(name) == 0;
  }

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  int64_t inflight_ = 0;            // guarded by mutex_
  std::set<std::string> unloaded_;  // guarded by mutex_
  std::atomic<bool> draining_{false};
  ServerMetrics metrics_;
};

}  // namespace berth::testing
