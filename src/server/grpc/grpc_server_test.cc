#include "server/grpc/grpc_server.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <thread>

#include "server/grpc/grpc_service.grpc.pb.h"
#include "server/http/testing/fake_inference_server.h"

namespace berth::grpc_frontend {
namespace {

using inference::GRPCInferenceService;

class GrpcServerTest : public ::testing::Test {
 protected:
  void Start(GrpcServerOptions options = {}) {
    options.address = "127.0.0.1";
    options.port = 0;
    StatusOr<std::unique_ptr<GrpcServer>> started = GrpcServer::Start(core_, options);
    ASSERT_TRUE(started.ok()) << started.status().message();
    server_ = std::move(started).value();
    ASSERT_NE(server_->port(), 0);
    channel_ = ::grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                     ::grpc::InsecureChannelCredentials());
    stub_ = GRPCInferenceService::NewStub(channel_);
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  static std::unique_ptr<::grpc::ClientContext> Context() {
    auto context = std::make_unique<::grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return context;
  }

  static inference::ModelInferRequest EchoRequest(const std::string& model, const std::string& id,
                                                  float value) {
    inference::ModelInferRequest request;
    request.set_model_name(model);
    request.set_id(id);
    auto* input = request.add_inputs();
    input->set_name("INPUT0");
    input->set_datatype("FP32");
    input->add_shape(1);
    input->mutable_contents()->add_fp32_contents(value);
    return request;
  }

  static float FirstFloat(const inference::ModelInferResponse& response) {
    float v = 0;
    EXPECT_EQ(response.raw_output_contents(0).size(), sizeof v);
    std::memcpy(&v, response.raw_output_contents(0).data(), sizeof v);
    return v;
  }

  testing::FakeInferenceServer core_;
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<::grpc::Channel> channel_;
  std::unique_ptr<GRPCInferenceService::Stub> stub_;
};

TEST_F(GrpcServerTest, HealthMetadataAndInfer) {
  Start();
  inference::ServerReadyResponse ready;
  ASSERT_TRUE(stub_->ServerReady(Context().get(), {}, &ready).ok());
  EXPECT_TRUE(ready.ready());
  inference::ServerMetadataResponse metadata;
  ASSERT_TRUE(stub_->ServerMetadata(Context().get(), {}, &metadata).ok());
  EXPECT_EQ(metadata.name(), "berth");
  EXPECT_EQ(metadata.extensions_size(), 2);

  inference::ModelMetadataRequest model_request;
  model_request.set_name("echo");
  inference::ModelMetadataResponse model;
  ASSERT_TRUE(stub_->ModelMetadata(Context().get(), model_request, &model).ok());
  EXPECT_EQ(model.inputs(0).name(), "INPUT0");
  EXPECT_EQ(model.inputs(0).shape(0), -1);

  inference::ModelConfigRequest config_request;
  config_request.set_name("echo");
  inference::ModelConfigResponse config;
  ASSERT_TRUE(stub_->ModelConfig(Context().get(), config_request, &config).ok());
  EXPECT_EQ(config.config().name(), "echo");
  EXPECT_EQ(config.config().platform(), "onnxruntime_onnx");

  inference::ModelInferResponse response;
  ::grpc::Status status =
      stub_->ModelInfer(Context().get(), EchoRequest("echo", "r1", 4.5f), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.id(), "r1");
  EXPECT_EQ(response.model_version(), "1");
  EXPECT_EQ(response.outputs(0).name(), "OUTPUT0");
  EXPECT_EQ(FirstFloat(response), 4.5f);
}

TEST_F(GrpcServerTest, ErrorsAreStatusCodes) {
  Start();
  inference::ModelInferResponse response;
  ::grpc::Status status = stub_->ModelInfer(Context().get(), EchoRequest("nope", "", 1), &response);
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "unknown model 'nope'");

  inference::ModelInferRequest bad = EchoRequest("echo", "", 1);
  bad.mutable_inputs(0)->add_shape(3);
  status = stub_->ModelInfer(Context().get(), bad, &response);
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "input 'INPUT0': 'fp32_contents' has 1 elements but shape [1,3] needs 3");

  status = stub_->ModelInfer(Context().get(), EchoRequest("broken", "", 1), &response);
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::UNAVAILABLE);

  inference::ModelReadyRequest ready_request;
  ready_request.set_name("echo");
  ready_request.set_version("2");
  inference::ModelReadyResponse ready;
  EXPECT_EQ(stub_->ModelReady(Context().get(), ready_request, &ready).error_code(),
            ::grpc::StatusCode::NOT_FOUND);
}

TEST_F(GrpcServerTest, MessagesOverTheLimitAreResourceExhausted) {
  GrpcServerOptions options;
  options.max_message_bytes = 1024;
  Start(options);
  inference::ModelInferRequest big = EchoRequest("echo", "", 1);
  big.add_raw_input_contents(std::string(2048, '\0'));
  inference::ModelInferResponse response;
  EXPECT_EQ(stub_->ModelInfer(Context().get(), big, &response).error_code(),
            ::grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(GrpcServerTest, RepositoryLoadUnload) {
  Start();
  inference::RepositoryModelUnloadRequest unload;
  unload.set_model_name("echo");
  inference::RepositoryModelUnloadResponse unloaded;
  ASSERT_TRUE(stub_->RepositoryModelUnload(Context().get(), unload, &unloaded).ok());
  inference::RepositoryIndexRequest index_request;
  index_request.set_ready(true);
  inference::RepositoryIndexResponse index;
  ASSERT_TRUE(stub_->RepositoryIndex(Context().get(), index_request, &index).ok());
  ASSERT_EQ(index.models_size(), 1);
  EXPECT_EQ(index.models(0).name(), "sleepy");
  inference::RepositoryModelLoadRequest load;
  load.set_model_name("echo");
  (*load.mutable_parameters())["config"].set_string_param("{}");
  inference::RepositoryModelLoadResponse loaded;
  EXPECT_EQ(stub_->RepositoryModelLoad(Context().get(), load, &loaded).error_code(),
            ::grpc::StatusCode::INVALID_ARGUMENT);
  load.clear_parameters();
  EXPECT_TRUE(stub_->RepositoryModelLoad(Context().get(), load, &loaded).ok());
}

// Requests of one stream run concurrently but are answered in order, an error does not end the
// stream, and StopAccepting ends a stream once its running requests are answered.
TEST_F(GrpcServerTest, StreamAnswersInOrderAndEndsOnDrain) {
  core_.sleep_ms = 100;
  Start();
  auto context = Context();
  auto stream = stub_->ModelStreamInfer(context.get());
  constexpr int kRequests = 6;
  for (int i = 0; i < kRequests; ++i) {
    // "sleepy" (slow) and "echo" (fast) alternate: answers must still come in request order.
    const std::string model = i == 3 ? "nope" : (i % 2 == 0 ? "sleepy" : "echo");
    ASSERT_TRUE(stream->Write(EchoRequest(model, "s" + std::to_string(i), static_cast<float>(i))));
  }
  for (int i = 0; i < kRequests; ++i) {
    inference::ModelStreamInferResponse response;
    ASSERT_TRUE(stream->Read(&response)) << i;
    if (i == 3) {
      EXPECT_EQ(response.error_message(), "unknown model 'nope'");
      continue;
    }
    EXPECT_EQ(response.error_message(), "");
    EXPECT_EQ(response.infer_response().id(), "s" + std::to_string(i));
    EXPECT_EQ(FirstFloat(response.infer_response()), static_cast<float>(i));
  }
  // One more request in flight when the server starts draining: it is answered, then the
  // stream ends with OK.
  core_.sleep_ms = 500;
  ASSERT_TRUE(stream->Write(EchoRequest("sleepy", "last", 9)));
  for (int i = 0; i < 500 && core_.InflightRequests() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(core_.InflightRequests(), 1);
  server_->StopAccepting(std::chrono::seconds(10));
  inference::ModelStreamInferResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.infer_response().id(), "last");
  EXPECT_FALSE(stream->Read(&response));
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(server_->WaitIdle(std::chrono::seconds(10)), 0);

  // New calls are refused once draining.
  inference::ServerLiveResponse live;
  EXPECT_FALSE(stub_->ServerLive(Context().get(), {}, &live).ok());
}

}  // namespace
}  // namespace berth::grpc_frontend
