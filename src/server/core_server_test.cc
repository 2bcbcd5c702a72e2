// The server core: start-up with good and broken models, request validation (exact messages),
// outputs, metadata, config JSON, load/unload/reload, concurrency during reload, drain.
#include "server/core_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "repository/testing/test_models.h"
#include "server/metrics.h"

namespace berth {
namespace {

namespace fs = std::filesystem;
using testing::AddModelVersion;
using testing::BiasReluModel;
using testing::TempDir;
using testing::WriteTextFile;

InferTensor Input(const std::string& name, Tensor tensor) { return {name, std::move(tensor)}; }

InferenceRequest Request(const std::string& model, std::vector<InferTensor> inputs, int64_t version = kLatestVersion) {
  InferenceRequest request;
  request.model_name = model;
  request.model_version = version;
  request.inputs = std::move(inputs);
  return request;
}

Tensor X(Shape shape, float value = 0.0f) {
  std::vector<float> values(static_cast<size_t>(NumElements(shape)), value);
  return Tensor::FromVector<float>(shape, values);
}

class CoreServerTest : public ::testing::Test {
 protected:
  std::unique_ptr<CoreServer> Start(ServerOptions options = {}) {
    options.model_repository = repo_.path().string();
    auto server = CoreServer::Create(options);
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    return server.ok() ? std::move(server).value() : nullptr;
  }
  const ModelIndexEntry* Find(const std::vector<ModelIndexEntry>& index, const std::string& name,
                              const std::string& version = "") {
    for (const auto& e : index) {
      if (e.name == name && (version.empty() || e.version == version)) return &e;
    }
    return nullptr;
  }
  // y[0] for x = 0: the served version's bias.
  float Bias(InferenceServer& server, const std::string& model, int64_t version = kLatestVersion) {
    auto response = server.Infer(Request(model, {Input("x", X({1, 3}))}, version));
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    return response.ok() ? response->outputs[0].tensor.data<float>()[0] : -1;
  }

  TempDir repo_;
};

TEST_F(CoreServerTest, MissingRepositoryFailsCreate) {
  ServerOptions options;
  options.model_repository = (repo_.path() / "nope").string();
  auto server = InferenceServer::Create(options);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kNotFound);
  EXPECT_NE(server.status().message().find("nope"), std::string::npos);
}

TEST_F(CoreServerTest, BrokenModelsAreReportedAndTheServerStaysLive) {
  AddModelVersion(repo_.path(), "good", 1, BiasReluModel(2.0f));
  WriteTextFile(repo_.path() / "corrupt" / "1" / "model.onnx", "not onnx");
  fs::create_directories(repo_.path() / "noversions");
  auto server = Start();
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(server->IsLive());
  EXPECT_FALSE(server->IsReady());
  EXPECT_EQ(Bias(*server, "good"), 2.0f);

  auto index = server->RepositoryIndex(false);
  const ModelIndexEntry* corrupt = Find(index, "corrupt");
  ASSERT_NE(corrupt, nullptr);
  EXPECT_EQ(corrupt->version, "1");
  EXPECT_EQ(corrupt->state, "UNAVAILABLE");
  EXPECT_NE(corrupt->reason.find("model.onnx"), std::string::npos) << corrupt->reason;
  const ModelIndexEntry* empty = Find(index, "noversions");
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(empty->state, "UNAVAILABLE");
  EXPECT_NE(empty->reason.find("no version folders"), std::string::npos) << empty->reason;
  auto ready = server->RepositoryIndex(true);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].name, "good");

  EXPECT_EQ(server->IsModelReady("corrupt", kLatestVersion).value(), false);
  EXPECT_EQ(server->IsModelReady("good", 1).value(), true);
  EXPECT_EQ(server->IsModelReady("nope", kLatestVersion).status().code(), StatusCode::kNotFound);
  auto infer = server->Infer(Request("corrupt", {Input("x", X({1, 3}))}));
  EXPECT_EQ(infer.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(server->metrics().Serialize().find("berth_model_load_failures_total"), std::string::npos);

  // Fix the model on disk and load it: now everything is ready.
  AddModelVersion(repo_.path(), "corrupt", 1, BiasReluModel(1.0f));
  EXPECT_TRUE(server->LoadModel("corrupt").ok());
  EXPECT_FALSE(server->IsReady());  // "noversions" still is not
  AddModelVersion(repo_.path(), "noversions", 1, BiasReluModel(1.0f));
  EXPECT_TRUE(server->LoadModel("noversions").ok());
  EXPECT_TRUE(server->IsReady());
}

TEST_F(CoreServerTest, InferRunsAndFillsTheResponse) {
  AddModelVersion(repo_.path(), "m", 1, BiasReluModel(1.0f));
  auto server = Start();
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(server->IsReady());
  InferenceRequest request = Request("m", {Input("x", Tensor::FromVector<float>({2, 3}, {0, -5, 1, -1, 2, -3}))});
  request.id = "req-7";
  auto response = server->Infer(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->model_name, "m");
  EXPECT_EQ(response->model_version, 1);
  EXPECT_EQ(response->id, "req-7");
  EXPECT_EQ(response->batch_size, 1);  // max_batch_size 0: no batching
  ASSERT_EQ(response->outputs.size(), 1u);
  EXPECT_EQ(response->outputs[0].name, "y");
  EXPECT_TRUE(response->outputs[0].tensor.IdenticalTo(Tensor::FromVector<float>({2, 3}, {1, 0, 2, 0, 3, 0})));
  EXPECT_GE(response->timings.compute_infer_us, 0);
  EXPECT_EQ(server->InflightRequests(), 0);
  std::string metrics = server->metrics().Serialize();
  EXPECT_NE(metrics.find("berth_inference_request_success"), std::string::npos);
  EXPECT_NE(metrics.find("model=\"m\""), std::string::npos);
}

TEST_F(CoreServerTest, ValidationErrorsNameWhatWasWrong) {
  AddModelVersion(repo_.path(), "m", 1, BiasReluModel(1.0f, /*with_sum=*/true));
  AddModelVersion(repo_.path(), "b", 1, BiasReluModel(1.0f));
  WriteTextFile(repo_.path() / "b" / "config.pbtxt", "max_batch_size: 4\n");
  auto server = Start();
  ASSERT_NE(server, nullptr);
  auto error = [&](InferenceRequest request) {
    auto response = server->Infer(std::move(request));
    EXPECT_FALSE(response.ok());
    EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument) << response.status().ToString();
    return response.status().message();
  };
  EXPECT_EQ(error(Request("m", {Input("foo", X({1, 3}))})), "unknown input 'foo' for model 'm' (expected 'x')");
  EXPECT_EQ(error(Request("m", {})), "missing input 'x' for model 'm' (expected 'x')");
  EXPECT_EQ(error(Request("m", {Input("x", X({1, 3})), Input("x", X({1, 3}))})), "input 'x' is given more than once");
  EXPECT_EQ(error(Request("m", {Input("x", Tensor::FromVector<int64_t>({1, 3}, {1, 2, 3}))})),
            "input 'x': expected datatype FP32, got INT64");
  EXPECT_EQ(error(Request("m", {Input("x", X({1, 3, 1}))})), "input 'x': expected shape [-1,3], got [1,3,1]");
  EXPECT_EQ(error(Request("m", {Input("x", X({2, 4}))})), "input 'x': expected shape [-1,3], got [2,4]");
  EXPECT_EQ(error(Request("m", {Input("x", Tensor())})), "input 'x': no tensor data");

  InferenceRequest unknown_output = Request("m", {Input("x", X({1, 3}))});
  unknown_output.requested_outputs = {"z"};
  EXPECT_EQ(error(unknown_output), "unknown output 'z' for model 'm' (expected 'y', 'sum')");
  InferenceRequest twice = Request("m", {Input("x", X({1, 3}))});
  twice.requested_outputs = {"y", "y"};
  EXPECT_EQ(error(twice), "output 'y' is requested more than once");

  // Batching model: dims [3] from the config, [-1,3] on the wire, batch at most 4.
  EXPECT_EQ(error(Request("b", {Input("x", X({5, 3}))})),
            "input 'x': batch size 5 exceeds max_batch_size 4 of model 'b'");
  EXPECT_EQ(error(Request("b", {Input("x", X({3}))})), "input 'x': expected shape [-1,3], got [3]");
  auto batched = server->Infer(Request("b", {Input("x", X({4, 3}))}));
  ASSERT_TRUE(batched.ok()) << batched.status().ToString();
  EXPECT_EQ(batched->batch_size, 4);

  ServerOptions small;
  small.max_tensor_elements = 5;
  TempDir other;
  AddModelVersion(other.path(), "m", 1, BiasReluModel(1.0f));
  small.model_repository = other.path().string();
  auto limited = CoreServer::Create(small);
  ASSERT_TRUE(limited.ok());
  auto too_big = (*limited)->Infer(Request("m", {Input("x", X({2, 3}))}));
  EXPECT_EQ(too_big.status().message(), "input 'x': 6 elements exceed the limit of 5");

  // Unknown model and version: NotFound, naming them.
  auto no_model = server->Infer(Request("nope", {Input("x", X({1, 3}))}));
  EXPECT_EQ(no_model.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(no_model.status().message(), "unknown model 'nope'");
  auto no_version = server->Infer(Request("m", {Input("x", X({1, 3}))}, 9));
  EXPECT_EQ(no_version.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(no_version.status().message(), "unknown version 9 of model 'm' (ready versions: 1)");
  EXPECT_NE(server->metrics().Serialize().find("berth_inference_request_failure"), std::string::npos);
}

TEST_F(CoreServerTest, RequestedOutputsSubsetInRequestedOrder) {
  AddModelVersion(repo_.path(), "m", 1, BiasReluModel(1.0f, /*with_sum=*/true));
  auto server = Start();
  ASSERT_NE(server, nullptr);
  InferenceRequest all = Request("m", {Input("x", Tensor::FromVector<float>({1, 3}, {-3, 0, 3}))});
  auto both = server->Infer(all);
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  ASSERT_EQ(both->outputs.size(), 2u);
  EXPECT_EQ(both->outputs[0].name, "y");
  EXPECT_EQ(both->outputs[1].name, "sum");

  InferenceRequest reversed = all;
  reversed.requested_outputs = {"sum", "y"};
  auto r = server->Infer(reversed);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->outputs.size(), 2u);
  EXPECT_EQ(r->outputs[0].name, "sum");
  EXPECT_TRUE(r->outputs[0].tensor.IdenticalTo(Tensor::FromVector<float>({1, 3}, {-2, 1, 4})));
  EXPECT_EQ(r->outputs[1].name, "y");

  InferenceRequest only_sum = all;
  only_sum.requested_outputs = {"sum"};
  auto s = server->Infer(only_sum);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->outputs.size(), 1u);
  EXPECT_EQ(s->outputs[0].name, "sum");
}

TEST_F(CoreServerTest, ReshapeFromConfigIsApplied) {
  AddModelVersion(repo_.path(), "m", 1, BiasReluModel(1.0f));
  // Clients send [1,3,1]; the model sees [1,3]; the output goes back as [1,3,1].
  WriteTextFile(repo_.path() / "m" / "config.pbtxt",
                "max_batch_size: 2\n"
                "input [ { name: \"x\" dims: [ 3, 1 ] reshape { shape: [ 3 ] } } ]\n"
                "output [ { name: \"y\" dims: [ 3, 1 ] reshape { shape: [ 3 ] } } ]\n");
  auto server = Start();
  ASSERT_NE(server, nullptr);
  auto response = server->Infer(Request("m", {Input("x", X({2, 3, 1}))}));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->outputs[0].tensor.shape(), (Shape{2, 3, 1}));
  auto metadata = server->GetModelMetadata("m", kLatestVersion);
  ASSERT_TRUE(metadata.ok());
  EXPECT_EQ(metadata->inputs[0].shape, (Shape{-1, 3, 1}));
}

TEST_F(CoreServerTest, TritonDensenetStyleRepositoryLoadsAsIs) {
  // The layout and config of Triton's densenet_onnx example (shapes made small).
  AddModelVersion(repo_.path(), "densenet_onnx", 1, testing::ReluModel("data_0", "fc6_1", {1, 3, 4, 4}));
  WriteTextFile(repo_.path() / "densenet_onnx" / "densenet_labels.txt", "a\nb\n");
  WriteTextFile(repo_.path() / "densenet_onnx" / "config.pbtxt", R"pb(name: "densenet_onnx"
                                                                      platform: "onnxruntime_onnx"
                                                                      max_batch_size: 0 input
                                                                      [ {
                                                                        name: "data_0"
                                                                        data_type: TYPE_FP32
                                                                        format: FORMAT_NCHW
                                                                        dims: [ 3, 4, 4 ]
                                                                        reshape { shape: [ 1, 3, 4, 4 ] }
                                                                      }] output
                                                                      [ {
                                                                        name: "fc6_1"
                                                                        data_type: TYPE_FP32
                                                                        dims: [ 48 ]
                                                                        reshape { shape: [ 1, 3, 4, 4 ] }
                                                                        label_filename: "densenet_labels.txt"
                                                                      }]
  )pb");
  auto server = Start();
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(server->IsReady());
  auto response = server->Infer(Request("densenet_onnx", {Input("data_0", X({3, 4, 4}, -1.0f))}));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->outputs[0].name, "fc6_1");
  EXPECT_EQ(response->outputs[0].tensor.shape(), (Shape{48}));
  EXPECT_EQ(response->outputs[0].tensor.data<float>()[0], 0.0f);
  auto wrong = server->Infer(Request("densenet_onnx", {Input("data_0", X({1, 3, 4, 4}))}));
  EXPECT_EQ(wrong.status().message(), "input 'data_0': expected shape [3,4,4], got [1,3,4,4]");
}

TEST_F(CoreServerTest, MetadataAndConfigJson) {
  AddModelVersion(repo_.path(), "m", 1, BiasReluModel(1.0f));
  AddModelVersion(repo_.path(), "m", 2, BiasReluModel(2.0f));
  WriteTextFile(
      repo_.path() / "m" / "config.pbtxt",
      "max_batch_size: 8\nversion_policy { all {} }\nparameters { key: \"k\" value { string_value: \"v\" } }\n");
  auto server = Start();
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->ServerName(), "berth");
  auto metadata = server->GetModelMetadata("m", kLatestVersion);
  ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
  EXPECT_EQ(metadata->name, "m");
  EXPECT_EQ(metadata->platform, "onnxruntime_onnx");
  EXPECT_EQ(metadata->versions, (std::vector<std::string>{"1", "2"}));
  ASSERT_EQ(metadata->inputs.size(), 1u);
  EXPECT_EQ(metadata->inputs[0].name, "x");
  EXPECT_EQ(metadata->inputs[0].datatype, "FP32");
  EXPECT_EQ(metadata->inputs[0].shape, (Shape{-1, 3}));
  EXPECT_EQ(metadata->outputs[0].name, "y");
  EXPECT_EQ(server->GetModelMetadata("nope", kLatestVersion).status().code(), StatusCode::kNotFound);

  auto json = server->GetModelConfigJson("m", 1);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  nlohmann::json config = nlohmann::json::parse(*json);
  EXPECT_EQ(config["name"], "m");
  EXPECT_EQ(config["platform"], "onnxruntime_onnx");
  EXPECT_EQ(config["backend"], "onnxruntime");
  EXPECT_EQ(config["max_batch_size"], 8);
  EXPECT_EQ(config["input"][0]["name"], "x");
  EXPECT_EQ(config["input"][0]["data_type"], "TYPE_FP32");
  EXPECT_EQ(config["input"][0]["dims"], nlohmann::json::array({3}));
  EXPECT_EQ(config["parameters"]["k"]["string_value"], "v");
  EXPECT_TRUE(config["version_policy"].contains("all"));
  EXPECT_EQ(config["instance_group"][0]["kind"], "KIND_CPU");
}

TEST_F(CoreServerTest, LoadUnloadAndReloadWithANewVersion) {
  AddModelVersion(repo_.path(), "m", 1, BiasReluModel(1.0f));
  auto server = Start();
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(Bias(*server, "m"), 1.0f);

  AddModelVersion(repo_.path(), "m", 2, BiasReluModel(2.0f));
  EXPECT_EQ(Bias(*server, "m"), 1.0f);  // nothing changes until asked
  ASSERT_TRUE(server->LoadModel("m").ok());
  EXPECT_EQ(Bias(*server, "m"), 2.0f);
  EXPECT_EQ(server->GetModelMetadata("m", kLatestVersion)->versions, (std::vector<std::string>{"2"}));
  EXPECT_EQ(server->Infer(Request("m", {Input("x", X({1, 3}))}, 1)).status().code(), StatusCode::kUnavailable);

  ASSERT_TRUE(server->UnloadModel("m").ok());
  auto unloaded = server->Infer(Request("m", {Input("x", X({1, 3}))}));
  EXPECT_EQ(unloaded.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(unloaded.status().message(), "model 'm' is not ready: unloaded");
  EXPECT_TRUE(server->IsReady());
  const ModelIndexEntry* entry = Find(server->RepositoryIndex(false), "m");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->state, "UNAVAILABLE");
  EXPECT_EQ(entry->reason, "unloaded");

  ASSERT_TRUE(server->LoadModel("m").ok());
  EXPECT_EQ(Bias(*server, "m"), 2.0f);
  EXPECT_EQ(server->LoadModel("ghost").code(), StatusCode::kNotFound);
  EXPECT_EQ(server->UnloadModel("ghost").code(), StatusCode::kNotFound);
  EXPECT_TRUE(server->IsReady());
}

TEST_F(CoreServerTest, ExplicitModeLoadsOnlyTheNamedModels) {
  AddModelVersion(repo_.path(), "a", 1, BiasReluModel(1.0f));
  AddModelVersion(repo_.path(), "b", 1, BiasReluModel(2.0f));
  ServerOptions options;
  options.explicit_model_control = true;
  auto none = Start(options);
  ASSERT_NE(none, nullptr);
  EXPECT_TRUE(none->IsReady());
  EXPECT_TRUE(none->RepositoryIndex(true).empty());
  EXPECT_EQ(none->RepositoryIndex(false).size(), 2u);
  EXPECT_EQ(none->Infer(Request("a", {Input("x", X({1, 3}))})).status().message(), "model 'a' is not loaded");

  options.startup_models = {"b"};
  auto some = Start(options);
  ASSERT_NE(some, nullptr);
  auto ready = some->RepositoryIndex(true);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].name, "b");

  options.startup_models = {"b", "missing"};
  auto missing = Start(options);
  ASSERT_NE(missing, nullptr);
  EXPECT_FALSE(missing->IsReady());  // asked for, not there
  const ModelIndexEntry* entry = Find(missing->RepositoryIndex(false), "missing");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->state, "UNAVAILABLE");
  EXPECT_TRUE(missing->UnloadModel("missing").ok());
  EXPECT_TRUE(missing->IsReady());
}

TEST_F(CoreServerTest, ConcurrentInferDuringReloadsNeverFails) {
  AddModelVersion(repo_.path(), "m", 1, BiasReluModel(1.0f));
  auto server = Start();
  ASSERT_NE(server, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::string first_failure;
  std::mutex failure_mutex;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      while (!stop.load()) {
        auto response = server->Infer(Request("m", {Input("x", X({2, 3}))}));
        if (response.ok() && response->outputs.size() == 1) {
          ok.fetch_add(1);
        } else {
          failed.fetch_add(1);
          std::lock_guard lock(failure_mutex);
          if (first_failure.empty()) first_failure = response.status().ToString();
        }
      }
    });
  }
  // Lets the clients get some requests through (bounded wait: the machine may be busy).
  auto let_clients_run = [&] {
    int target = ok.load() + 8;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (ok.load() < target && failed.load() == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  let_clients_run();
  for (int v = 2; v <= 6; ++v) {
    AddModelVersion(repo_.path(), "m", v, BiasReluModel(static_cast<float>(v)));
    EXPECT_TRUE(server->LoadModel("m").ok());
    let_clients_run();
    EXPECT_TRUE(server->LoadModel("m").ok());  // unchanged: a no-op swap
    let_clients_run();
  }
  stop.store(true);
  for (auto& c : clients) c.join();
  EXPECT_EQ(failed.load(), 0) << first_failure;
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(Bias(*server, "m"), 6.0f);
  EXPECT_EQ(server->InflightRequests(), 0);
}

TEST_F(CoreServerTest, DrainStopsNewRequestsAndWaitsForInflight) {
  AddModelVersion(repo_.path(), "m", 1, BiasReluModel(1.0f));
  auto server = Start();
  ASSERT_NE(server, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<int> rejected{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&] {
      while (!stop.load()) {
        auto response = server->Infer(Request("m", {Input("x", X({8, 3}))}));
        if (!response.ok()) {
          EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
          EXPECT_EQ(response.status().message(), "server is shutting down");
          rejected.fetch_add(1);
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(server->Drain(std::chrono::seconds(10)), 0);
  EXPECT_FALSE(server->IsReady());
  EXPECT_TRUE(server->IsLive());
  auto after = server->Infer(Request("m", {Input("x", X({1, 3}))}));
  EXPECT_EQ(after.status().message(), "server is shutting down");
  stop.store(true);
  for (auto& c : clients) c.join();
  EXPECT_EQ(server->InflightRequests(), 0);
}

// Value of one metric line (labels as Prometheus prints them), or -1.
double MetricValue(const std::string& text, const std::string& series) {
  size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

TEST_F(CoreServerTest, DynamicBatchingGivesEachRequestItsOwnRows) {
  AddModelVersion(repo_.path(), "m", 1, BiasReluModel(0.5f));
  WriteTextFile(repo_.path() / "m" / "config.pbtxt",
                "max_batch_size: 8\ndynamic_batching { max_queue_delay_microseconds: 20000 }\n"
                "instance_group { count: 2 }\n");
  auto server = Start();
  ASSERT_NE(server, nullptr);
  constexpr int kThreads = 6, kPerThread = 10;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int64_t rows = 1 + (t + i) % 4;
        std::vector<float> x;
        for (int64_t k = 0; k < rows * 3; ++k) x.push_back(static_cast<float>(t * 100 + i * 10 + k) - 20.0f);
        auto response = server->Infer(Request("m", {Input("x", Tensor::FromVector<float>({rows, 3}, x))}));
        if (!response.ok() || response->outputs[0].tensor.shape() != Shape{rows, 3}) {
          ++wrong;
          continue;
        }
        const float* y = response->outputs[0].tensor.data<float>();
        for (int64_t k = 0; k < rows * 3; ++k) {
          if (y[k] != std::max(0.0f, x[static_cast<size_t>(k)] + 0.5f)) ++wrong;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  const std::string text = server->metrics().Serialize();
  const double executions = MetricValue(text, "berth_inference_exec_count{model=\"m\",version=\"1\"}");
  EXPECT_GT(executions, 0);
  EXPECT_LT(executions, kThreads * kPerThread) << text;
  EXPECT_EQ(MetricValue(text, "berth_inference_request_success{model=\"m\",version=\"1\"}"), kThreads * kPerThread);
}

TEST_F(CoreServerTest, AsyncInferCallsDoneOnceAndQueueFullIsResourceExhausted) {
  AddModelVersion(repo_.path(), "m", 1, BiasReluModel(1.0f));
  WriteTextFile(repo_.path() / "m" / "config.pbtxt",
                "max_batch_size: 4\n"
                "dynamic_batching { max_queue_delay_microseconds: 300000 default_queue_policy { max_queue_size: 1 } }\n");
  auto server = Start();
  ASSERT_NE(server, nullptr);
  // The first request waits 300 ms for company; an incompatible second one (other width: it cannot
  // join) fills the one-slot queue... so with max_queue_size 1 the second is rejected.
  std::promise<StatusOr<InferenceResponse>> first;
  server->InferAsync(Request("m", {Input("x", X({1, 3}, 1.0f))}),
                     [&first](StatusOr<InferenceResponse> r) { first.set_value(std::move(r)); });
  auto second = server->Infer(Request("m", {Input("x", X({1, 3}, 2.0f))}));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(second.status().message(), "model 'm' queue is full (max_queue_size 1)");
  auto result = first.get_future().get();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->outputs[0].tensor.data<float>()[0], 2.0f);
  EXPECT_GE(result->timings.queue_us, 250000);
  EXPECT_EQ(server->InflightRequests(), 0);
  EXPECT_NE(server->metrics().Serialize().find("reason=\"queue_full\""), std::string::npos);
}

TEST_F(CoreServerTest, ResponseCacheHitsAreIdenticalAndNeverCrossVersions) {
  AddModelVersion(repo_.path(), "m", 1, BiasReluModel(1.0f));
  WriteTextFile(repo_.path() / "m" / "config.pbtxt", "response_cache { enable: true }\n");
  AddModelVersion(repo_.path(), "plain", 1, BiasReluModel(1.0f));
  auto server = Start();
  ASSERT_NE(server, nullptr);
  auto a = server->Infer(Request("m", {Input("x", X({2, 3}, 4.0f))}));
  auto b = server->Infer(Request("m", {Input("x", X({2, 3}, 4.0f))}));
  auto c = server->Infer(Request("m", {Input("x", X({2, 3}, 5.0f))}));
  auto d = server->Infer(Request("plain", {Input("x", X({2, 3}, 4.0f))}));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  EXPECT_TRUE(a->outputs[0].tensor.IdenticalTo(b->outputs[0].tensor));
  EXPECT_EQ(c->outputs[0].tensor.data<float>()[0], 6.0f);
  std::string text = server->metrics().Serialize();
  EXPECT_EQ(MetricValue(text, "berth_cache_hits_total{model=\"m\",version=\"1\"}"), 1) << text;
  EXPECT_EQ(MetricValue(text, "berth_cache_misses_total{model=\"m\",version=\"1\"}"), 2);
  EXPECT_EQ(MetricValue(text, "berth_inference_exec_count{model=\"m\",version=\"1\"}"), 2);
  EXPECT_EQ(text.find("berth_cache_hits_total{model=\"plain\""), std::string::npos);

  // A new version (and a reload of the same version number with other contents) is never answered
  // from the old one's entries.
  AddModelVersion(repo_.path(), "m", 2, BiasReluModel(10.0f));
  ASSERT_TRUE(server->LoadModel("m").ok());
  auto e = server->Infer(Request("m", {Input("x", X({2, 3}, 4.0f))}));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->model_version, 2);
  EXPECT_EQ(e->outputs[0].tensor.data<float>()[0], 14.0f);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a new mtime for the rewritten file
  AddModelVersion(repo_.path(), "m", 2, BiasReluModel(20.0f));
  ASSERT_TRUE(server->LoadModel("m").ok());
  auto f = server->Infer(Request("m", {Input("x", X({2, 3}, 4.0f))}));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->outputs[0].tensor.data<float>()[0], 24.0f);
}

TEST_F(CoreServerTest, QueuedRequestsFinishOnTheOldVersionAcrossUnloadAndReload) {
  AddModelVersion(repo_.path(), "m", 1, BiasReluModel(1.0f));
  WriteTextFile(repo_.path() / "m" / "config.pbtxt",
                "max_batch_size: 4\ndynamic_batching { max_queue_delay_microseconds: 200000 }\n");
  auto server = Start();
  ASSERT_NE(server, nullptr);
  std::vector<std::promise<StatusOr<InferenceResponse>>> results(3);
  for (auto& result : results) {
    server->InferAsync(Request("m", {Input("x", X({1, 3}))}),
                       [&result](StatusOr<InferenceResponse> r) { result.set_value(std::move(r)); });
  }
  // Swap in version 2 and unload while the three wait for their batch: they still run, on version 1.
  AddModelVersion(repo_.path(), "m", 2, BiasReluModel(2.0f));
  ASSERT_TRUE(server->LoadModel("m").ok());
  ASSERT_TRUE(server->UnloadModel("m").ok());
  for (auto& result : results) {
    auto response = result.get_future().get();
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->model_version, 1);
    EXPECT_EQ(response->outputs[0].tensor.data<float>()[0], 1.0f);
  }
  EXPECT_EQ(server->InflightRequests(), 0);
  auto after = server->Infer(Request("m", {Input("x", X({1, 3}))}));
  EXPECT_EQ(after.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace berth
