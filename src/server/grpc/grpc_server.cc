#include "server/grpc/grpc_server.h"

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <climits>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "common/logging.h"
#include "server/grpc/grpc_service.grpc.pb.h"
#include "server/metrics.h"

namespace berth::grpc_frontend {
namespace {

using Clock = std::chrono::steady_clock;
constexpr char kServiceName[] = "inference.GRPCInferenceService";
constexpr auto kHealthPollInterval = std::chrono::milliseconds(100);

int64_t MicrosSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
}

// What the access-log line of one RPC (or one message of a stream) says.
struct CallLog {
  explicit CallLog(const char* r) : rpc(r) {}
  const char* rpc;
  Clock::time_point start = Clock::now();
  std::string request_id;
  std::string model;
  std::string version;
  int64_t batch_size = 0;
  int64_t bytes_in = 0;
  int64_t bytes_out = 0;
};

class StreamReactor;

// State the service and its reactors share.
struct Shared {
  Shared(InferenceServer& c, const GrpcServerOptions& o, int workers)
      : core(c), options(o), pool(static_cast<size_t>(workers)) {}

  InferenceServer& core;
  const GrpcServerOptions options;
  boost::asio::thread_pool pool;  // model loads and unloads
  std::atomic<bool> draining{false};
  std::atomic<uint64_t> request_counter{0};

  // RPCs being handled (an open stream counts as one); WaitIdle waits for zero.
  mutable std::mutex active_mutex;
  std::condition_variable active_cv;
  int64_t active = 0;  // guarded by active_mutex

  // Open streams, so that StopAccepting can end them.
  std::mutex streams_mutex;
  std::unordered_set<StreamReactor*> streams;  // guarded by streams_mutex

  void AddActive(int64_t delta) {
    std::lock_guard lock(active_mutex);
    active += delta;
    if (active == 0) active_cv.notify_all();
  }

  void Log(const CallLog& call, const Status& status) {
    if (!LogEnabled(LogLevel::kInfo)) return;
    LogLine line(LogLevel::kInfo, "request");
    line.Str("protocol", "grpc")
        .Str("request_id", call.request_id.empty()
                               ? std::to_string(request_counter.fetch_add(1) + 1)
                               : call.request_id)
        .Str("method", call.rpc)
        .Str("path", std::string("/") + kServiceName + "/" + call.rpc)
        .Int("status", StatusCodeToHttp(status.code()))
        .Str("grpc_status", StatusCodeName(status.code()))
        .Str("model", call.model)
        .Str("version", call.version)
        .Int("latency_us", MicrosSince(call.start))
        .Int("batch_size", call.batch_size)
        .Int("bytes_in", call.bytes_in)
        .Int("bytes_out", call.bytes_out);
    if (!status.ok()) line.Str("error", status.message());
    line.Emit();
  }

  // Parses an inference request; a request refused here never reaches the core, so it is counted
  // here, but only for a model the server knows (made-up names must not grow the metrics).
  StatusOr<InferenceRequest> Parse(const inference::ModelInferRequest& in,
                                   const ::grpc::CallbackServerContext* context) {
    StatusOr<InferenceRequest> parsed = ToInferenceRequest(in, options.parse);
    if (!parsed.ok()) {
      StatusOr<int64_t> version = ParseModelVersion(in.model_name(), in.model_version());
      if (version.ok() && !in.model_name().empty() &&
          core.IsModelReady(in.model_name(), *version).ok()) {
        core.metrics().RecordFailure(in.model_name(), in.model_version(), "invalid_argument");
      }
      return parsed;
    }
    // A client deadline bounds the request's time in the queue, unless it asked for less.
    if (context != nullptr && context->deadline() != std::chrono::system_clock::time_point::max()) {
      const int64_t left = std::chrono::duration_cast<std::chrono::microseconds>(
                               context->deadline() - std::chrono::system_clock::now())
                               .count();
      if (left > 0 && (parsed->timeout_us == 0 || left < parsed->timeout_us))
        parsed->timeout_us = left;
    }
    return parsed;
  }

  // Hands a parsed request to the core's scheduler; `done` runs on a scheduler worker thread (or
  // right here for an immediate answer), renders the response and finishes the call: no thread
  // waits for an inference.
  void RunInfer(InferenceRequest request, InferenceServer::InferDone done) {
    core.InferAsync(std::move(request), std::move(done));
  }
};

// Fills the log fields a response tells, and renders it.
Status RenderResponse(StatusOr<InferenceResponse>& result, const std::string& request_id,
                      inference::ModelInferResponse* out, CallLog& log) {
  if (!result.ok()) return result.status();
  if (result->id.empty()) result->id = request_id;
  log.version = std::to_string(result->model_version);
  log.batch_size = result->batch_size;
  RETURN_IF_ERROR(ToModelInferResponse(*result, out));
  log.bytes_out = static_cast<int64_t>(out->ByteSizeLong());
  return Status::Ok();
}

// ModelStreamInfer: reads requests while fewer than max_stream_inflight are running, runs them
// concurrently, and writes one ModelStreamInferResponse per request in request order.
class StreamReactor final : public ::grpc::ServerBidiReactor<inference::ModelInferRequest,
                                                             inference::ModelStreamInferResponse> {
 public:
  StreamReactor(Shared& shared, ::grpc::CallbackServerContext* context)
      : shared_(shared), context_(context) {
    shared_.AddActive(1);
    {
      std::lock_guard lock(shared_.streams_mutex);
      shared_.streams.insert(this);
    }
    std::lock_guard lock(mutex_);
    if (shared_.draining.load()) {
      finished_ = true;
      Finish(::grpc::Status(::grpc::StatusCode::UNAVAILABLE, "the server is shutting down"));
      return;
    }
    reading_ = true;
    StartRead(&request_);
  }

  // From StopAccepting: take no new requests; end once the running ones are answered.
  void Drain() {
    std::lock_guard lock(mutex_);
    draining_ = true;
    MaybeFinishLocked();
  }

  void OnReadDone(bool ok) override {
    std::unique_lock lock(mutex_);
    reading_ = false;
    if (!ok) {  // the client half-closed, or the call ended
      read_closed_ = true;
      MaybeFinishLocked();
      return;
    }
    const uint64_t seq = next_seq_++;
    ++running_;
    auto log = std::make_shared<CallLog>("ModelStreamInfer");
    log->request_id = request_.id();
    log->model = request_.model_name();
    log->version = request_.model_version();
    log->bytes_in = static_cast<int64_t>(request_.ByteSizeLong());
    StatusOr<InferenceRequest> parsed = shared_.Parse(request_, context_);
    const std::string id = request_.id();
    if (!parsed.ok()) {
      CompleteLocked(seq, *log, parsed.status(), nullptr);
    } else {
      // `done` may run right here (an immediate rejection): let go of the lock first, after
      // reading on (the next read fills request_, which is parsed already).
      MaybeReadLocked();
      lock.unlock();
      shared_.RunInfer(std::move(parsed).value(), [this, seq, log,
                                                   id](StatusOr<InferenceResponse> result) {
        auto response = std::make_unique<inference::ModelStreamInferResponse>();
        const Status status = RenderResponse(result, id, response->mutable_infer_response(), *log);
        std::lock_guard relock(mutex_);
        CompleteLocked(seq, *log, status, std::move(response));
      });
      return;
    }
    MaybeReadLocked();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mutex_);
    writing_ = false;
    if (!ok) broken_ = true;  // the client went away: answers still coming are dropped
    WriteNextLocked();
    MaybeReadLocked();
    MaybeFinishLocked();
  }

  void OnCancel() override {
    std::lock_guard lock(mutex_);
    broken_ = true;
    MaybeFinishLocked();
  }

  void OnDone() override {
    {
      std::lock_guard lock(shared_.streams_mutex);
      shared_.streams.erase(this);
    }
    // A worker that answered the last request may still be leaving mutex_: wait for it.
    { std::lock_guard lock(mutex_); }
    shared_.AddActive(-1);
    delete this;
  }

 private:
  // One request of the stream is answered (error: a response with only error_message).
  void CompleteLocked(uint64_t seq, const CallLog& log, const Status& status,
                      std::unique_ptr<inference::ModelStreamInferResponse> response) {
    --running_;
    shared_.Log(log, status);
    if (!status.ok()) {
      response = std::make_unique<inference::ModelStreamInferResponse>();
      response->set_error_message(status.message());
    }
    if (!broken_) ready_.emplace(seq, std::move(response));
    WriteNextLocked();
    MaybeReadLocked();
    MaybeFinishLocked();
  }

  void WriteNextLocked() {
    if (writing_ || finished_) return;
    if (broken_) {
      ready_.clear();
      return;
    }
    auto it = ready_.find(next_write_);
    if (it == ready_.end()) return;
    writing_response_ = std::move(it->second);
    ready_.erase(it);
    ++next_write_;
    writing_ = true;
    StartWrite(writing_response_.get());
  }

  void MaybeReadLocked() {
    if (reading_ || read_closed_ || draining_ || broken_ || finished_) return;
    if (shared_.draining.load()) {
      draining_ = true;
      return;
    }
    // Bound the memory one stream can hold: running requests plus answers waiting for their turn.
    if (running_ + static_cast<int64_t>(ready_.size()) >= shared_.options.max_stream_inflight)
      return;
    reading_ = true;
    StartRead(&request_);
  }

  void MaybeFinishLocked() {
    if (finished_ || writing_ || running_ > 0) return;
    if (!broken_ && !ready_.empty()) return;
    if (!(read_closed_ || draining_ || broken_)) return;
    finished_ = true;
    Finish(::grpc::Status::OK);
  }

  Shared& shared_;
  ::grpc::CallbackServerContext* context_;
  std::mutex mutex_;
  inference::ModelInferRequest request_;  // the read buffer
  bool reading_ = false;                  // the fields below are guarded by mutex_
  bool read_closed_ = false;
  bool writing_ = false;
  bool draining_ = false;
  bool broken_ = false;
  bool finished_ = false;
  int64_t running_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t next_write_ = 0;
  std::map<uint64_t, std::unique_ptr<inference::ModelStreamInferResponse>> ready_;
  std::unique_ptr<inference::ModelStreamInferResponse> writing_response_;
};

class Service final : public inference::GRPCInferenceService::CallbackService {
 public:
  explicit Service(Shared& shared) : s_(shared) {}

  ::grpc::ServerUnaryReactor* ServerLive(::grpc::CallbackServerContext* ctx,
                                         const inference::ServerLiveRequest*,
                                         inference::ServerLiveResponse* out) override {
    CallLog log("ServerLive");
    out->set_live(s_.core.IsLive());
    return Done(ctx, log, Status::Ok());
  }

  ::grpc::ServerUnaryReactor* ServerReady(::grpc::CallbackServerContext* ctx,
                                          const inference::ServerReadyRequest*,
                                          inference::ServerReadyResponse* out) override {
    CallLog log("ServerReady");
    out->set_ready(s_.core.IsReady() && !s_.draining.load());
    return Done(ctx, log, Status::Ok());
  }

  ::grpc::ServerUnaryReactor* ModelReady(::grpc::CallbackServerContext* ctx,
                                         const inference::ModelReadyRequest* in,
                                         inference::ModelReadyResponse* out) override {
    CallLog log("ModelReady");
    log.model = in->name();
    log.version = in->version();
    StatusOr<int64_t> version = ParseModelVersion(in->name(), in->version());
    if (!version.ok()) return Done(ctx, log, version.status());
    StatusOr<bool> ready = s_.core.IsModelReady(in->name(), *version);
    if (!ready.ok()) return Done(ctx, log, ready.status());
    out->set_ready(*ready);
    return Done(ctx, log, Status::Ok());
  }

  ::grpc::ServerUnaryReactor* ServerMetadata(::grpc::CallbackServerContext* ctx,
                                             const inference::ServerMetadataRequest*,
                                             inference::ServerMetadataResponse* out) override {
    CallLog log("ServerMetadata");
    out->set_name(s_.core.ServerName());
    out->set_version(s_.core.ServerVersion());
    for (const std::string& extension : s_.core.Extensions()) out->add_extensions(extension);
    return Done(ctx, log, Status::Ok());
  }

  ::grpc::ServerUnaryReactor* ModelMetadata(::grpc::CallbackServerContext* ctx,
                                            const inference::ModelMetadataRequest* in,
                                            inference::ModelMetadataResponse* out) override {
    CallLog log("ModelMetadata");
    log.model = in->name();
    log.version = in->version();
    StatusOr<int64_t> version = ParseModelVersion(in->name(), in->version());
    if (!version.ok()) return Done(ctx, log, version.status());
    StatusOr<berth::ModelMetadata> metadata = s_.core.GetModelMetadata(in->name(), *version);
    if (!metadata.ok()) return Done(ctx, log, metadata.status());
    out->set_name(metadata->name);
    for (const std::string& v : metadata->versions) out->add_versions(v);
    out->set_platform(metadata->platform);
    auto fill = [](const std::vector<TensorMetadata>& from, auto* to) {
      for (const TensorMetadata& t : from) {
        auto* m = to->Add();
        m->set_name(t.name);
        m->set_datatype(t.datatype);
        for (int64_t d : t.shape) m->add_shape(d);
      }
    };
    fill(metadata->inputs, out->mutable_inputs());
    fill(metadata->outputs, out->mutable_outputs());
    return Done(ctx, log, Status::Ok());
  }

  ::grpc::ServerUnaryReactor* ModelConfig(::grpc::CallbackServerContext* ctx,
                                          const inference::ModelConfigRequest* in,
                                          inference::ModelConfigResponse* out) override {
    CallLog log("ModelConfig");
    log.model = in->name();
    log.version = in->version();
    StatusOr<int64_t> version = ParseModelVersion(in->name(), in->version());
    if (!version.ok()) return Done(ctx, log, version.status());
    StatusOr<std::string> json = s_.core.GetModelConfigJson(in->name(), *version);
    if (!json.ok()) return Done(ctx, log, json.status());
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    const auto parsed =
        google::protobuf::util::JsonStringToMessage(*json, out->mutable_config(), options);
    if (!parsed.ok()) {
      return Done(ctx, log,
                  Internal("model '" + in->name() + "': configuration does not convert to " +
                           "inference.ModelConfig: " + std::string(parsed.message())));
    }
    return Done(ctx, log, Status::Ok());
  }

  ::grpc::ServerUnaryReactor* ModelInfer(::grpc::CallbackServerContext* ctx,
                                         const inference::ModelInferRequest* in,
                                         inference::ModelInferResponse* out) override {
    auto* reactor = ctx->DefaultReactor();
    auto log = std::make_shared<CallLog>("ModelInfer");
    log->request_id = in->id();
    log->model = in->model_name();
    log->version = in->model_version();
    log->bytes_in = static_cast<int64_t>(in->ByteSizeLong());
    s_.AddActive(1);
    StatusOr<InferenceRequest> parsed = s_.Parse(*in, ctx);
    if (!parsed.ok()) {
      FinishCall(reactor, *log, parsed.status());
      return reactor;
    }
    s_.RunInfer(std::move(parsed).value(),
                [this, reactor, log, out, id = in->id()](StatusOr<InferenceResponse> result) {
                  FinishCall(reactor, *log, RenderResponse(result, id, out, *log));
                });
    return reactor;
  }

  ::grpc::ServerBidiReactor<inference::ModelInferRequest, inference::ModelStreamInferResponse>*
  ModelStreamInfer(::grpc::CallbackServerContext* ctx) override {
    return new StreamReactor(s_, ctx);
  }

  ::grpc::ServerUnaryReactor* RepositoryIndex(::grpc::CallbackServerContext* ctx,
                                              const inference::RepositoryIndexRequest* in,
                                              inference::RepositoryIndexResponse* out) override {
    CallLog log("RepositoryIndex");
    if (!in->repository_name().empty()) {
      return Done(ctx, log,
                  NotFound("repository '" + in->repository_name() +
                           "' is not known: Berth serves one repository (leave "
                           "repository_name empty)"));
    }
    for (const ModelIndexEntry& entry : s_.core.RepositoryIndex(in->ready())) {
      auto* model = out->add_models();
      model->set_name(entry.name);
      model->set_version(entry.version);
      model->set_state(entry.state);
      model->set_reason(entry.reason);
    }
    return Done(ctx, log, Status::Ok());
  }

  ::grpc::ServerUnaryReactor* RepositoryModelLoad(
      ::grpc::CallbackServerContext* ctx, const inference::RepositoryModelLoadRequest* in,
      inference::RepositoryModelLoadResponse*) override {
    return LoadOrUnload(ctx, "RepositoryModelLoad", in->repository_name(), in->model_name(),
                        in->parameters(), true);
  }

  ::grpc::ServerUnaryReactor* RepositoryModelUnload(
      ::grpc::CallbackServerContext* ctx, const inference::RepositoryModelUnloadRequest* in,
      inference::RepositoryModelUnloadResponse*) override {
    return LoadOrUnload(ctx, "RepositoryModelUnload", in->repository_name(), in->model_name(),
                        in->parameters(), false);
  }

 private:
  using RepositoryParameters =
      google::protobuf::Map<std::string, inference::ModelRepositoryParameter>;

  // Loading can take seconds: it runs on the pool, not on gRPC's threads.
  ::grpc::ServerUnaryReactor* LoadOrUnload(::grpc::CallbackServerContext* ctx, const char* rpc,
                                           const std::string& repository, const std::string& model,
                                           const RepositoryParameters& parameters, bool load) {
    auto* reactor = ctx->DefaultReactor();
    auto log = std::make_shared<CallLog>(rpc);
    log->model = model;
    s_.AddActive(1);
    if (!repository.empty()) {
      FinishCall(reactor, *log,
                 NotFound("repository '" + repository +
                          "' is not known: Berth serves one repository (leave repository_name "
                          "empty)"));
      return reactor;
    }
    if (model.empty()) {
      FinishCall(reactor, *log, InvalidArgument("'model_name' is missing"));
      return reactor;
    }
    for (const auto& [key, value] : parameters) {
      if (key == "config" || key.rfind("file:", 0) == 0) {
        FinishCall(reactor, *log,
                   InvalidArgument("load parameter '" + key +
                                   "' is not supported: put the model and its config.pbtxt in "
                                   "the repository"));
        return reactor;
      }
    }
    boost::asio::post(s_.pool, [this, reactor, log, model, load] {
      const Status status = load ? s_.core.LoadModel(model) : s_.core.UnloadModel(model);
      FinishCall(reactor, *log, status);
    });
    return reactor;
  }

  // Answers a call handled on the spot (AddActive is not needed: nothing outlives the handler).
  ::grpc::ServerUnaryReactor* Done(::grpc::CallbackServerContext* ctx, const CallLog& log,
                                   const Status& status) {
    auto* reactor = ctx->DefaultReactor();
    s_.Log(log, status);
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }

  void FinishCall(::grpc::ServerUnaryReactor* reactor, const CallLog& log, const Status& status) {
    s_.Log(log, status);
    reactor->Finish(ToGrpcStatus(status));
    s_.AddActive(-1);
  }

  Shared& s_;
};

class GrpcServerImpl final : public GrpcServer {
 public:
  GrpcServerImpl(InferenceServer& core, const GrpcServerOptions& options, int workers)
      : shared_(std::make_unique<Shared>(core, options, workers)), service_(*shared_) {}

  ~GrpcServerImpl() override { Stop(); }

  Status Listen() {
    const GrpcServerOptions& o = shared_->options;
    // The standard health service, driven by PollHealth(). The switch is process-wide and read
    // when a server is built.
    ::grpc::EnableDefaultHealthCheckService(true);
    ::grpc::ServerBuilder builder;
    const std::string host = o.address.find(':') != std::string::npos && o.address.front() != '['
                                 ? "[" + o.address + "]"
                                 : o.address;
    int selected_port = 0;
    builder.AddListeningPort(host + ":" + std::to_string(o.port),
                             ::grpc::InsecureServerCredentials(), &selected_port);
    const int limit = static_cast<int>(std::min<int64_t>(o.max_message_bytes, INT_MAX));
    builder.SetMaxReceiveMessageSize(limit);
    builder.SetMaxSendMessageSize(limit);
    // gRPC sets SO_REUSEPORT by default: a second server on a port in use would then start
    // "successfully" and get a share of its connections. A port in use must be an error.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || selected_port == 0) {
      server_.reset();
      return Unavailable("cannot listen on " + o.address + ":" + std::to_string(o.port) +
                         " for gRPC (address in use or not an address of this machine)");
    }
    port_ = static_cast<uint16_t>(selected_port);
    SetHealth(shared_->core.IsReady());
    health_thread_ = std::thread([this] { PollHealth(); });
    return Status::Ok();
  }

  uint16_t port() const override { return port_; }

  void StopAccepting(std::chrono::milliseconds timeout) override {
    if (shared_->draining.exchange(true)) return;
    StopHealth();
    if (auto* health = server_->GetHealthCheckService()) health->Shutdown();
    std::vector<StreamReactor*> streams;
    {
      std::lock_guard lock(shared_->streams_mutex);
      streams.assign(shared_->streams.begin(), shared_->streams.end());
      // Drain() runs under streams_mutex so that no stream is deleted meanwhile (OnDone takes it).
      for (StreamReactor* stream : streams) stream->Drain();
    }
    // gRPC refuses new calls from here on and lets running ones finish until the deadline.
    const auto deadline = std::chrono::system_clock::now() + timeout;
    shutdown_thread_ = std::thread([this, deadline] { server_->Shutdown(deadline); });
  }

  int64_t WaitIdle(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(shared_->active_mutex);
    shared_->active_cv.wait_for(lock, timeout, [this] { return shared_->active == 0; });
    return shared_->active;
  }

  void Stop() override {
    if (stopped_) return;
    stopped_ = true;
    if (server_ == nullptr) {  // never started
      StopHealth();
      shared_->pool.join();
      return;
    }
    StopAccepting(std::chrono::milliseconds(0));
    if (shutdown_thread_.joinable()) shutdown_thread_.join();
    server_->Wait();
    shared_->pool.join();
  }

  int64_t ActiveRequests() const override {
    std::lock_guard lock(shared_->active_mutex);
    return shared_->active;
  }

 private:
  void SetHealth(bool serving) {
    if (auto* health = server_->GetHealthCheckService()) {
      health->SetServingStatus("", serving);
      health->SetServingStatus(kServiceName, serving);
    }
  }

  void PollHealth() {
    bool serving = shared_->core.IsReady();
    std::unique_lock lock(health_mutex_);
    while (!health_stop_) {
      health_cv_.wait_for(lock, kHealthPollInterval);
      if (health_stop_) break;
      const bool now = shared_->core.IsReady();
      if (now != serving) {
        serving = now;
        SetHealth(serving);
      }
    }
  }

  void StopHealth() {
    {
      std::lock_guard lock(health_mutex_);
      health_stop_ = true;
    }
    health_cv_.notify_all();
    if (health_thread_.joinable()) health_thread_.join();
  }

  std::unique_ptr<Shared> shared_;
  Service service_;
  std::unique_ptr<::grpc::Server> server_;
  uint16_t port_ = 0;
  std::thread health_thread_;
  std::mutex health_mutex_;
  std::condition_variable health_cv_;
  bool health_stop_ = false;  // guarded by health_mutex_
  std::thread shutdown_thread_;
  bool stopped_ = false;
};

}  // namespace

StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(InferenceServer& server,
                                                        const GrpcServerOptions& options) {
  if (options.max_message_bytes <= 0)
    return InvalidArgument("--grpc-max-message-bytes must be positive");
  if (options.max_stream_inflight <= 0)
    return InvalidArgument("max_stream_inflight must be positive");
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int workers = options.worker_threads > 0 ? options.worker_threads : std::max(2, cores);
  auto impl = std::make_unique<GrpcServerImpl>(server, options, workers);
  RETURN_IF_ERROR(impl->Listen());
  LogEvent(LogLevel::kInfo, "grpc_listening",
           {{"address", options.address},
            {"port", impl->port()},
            {"max_message_bytes", options.max_message_bytes}});
  return std::unique_ptr<GrpcServer>(std::move(impl));
}

}  // namespace berth::grpc_frontend
