// `berth serve`: serve a model repository over the KServe v2 REST protocol.
//   berth serve --model-repository ./models --http-port 8000
// Flags take Triton's names where they mean the same thing, so switching is changing one word.
// SIGTERM/SIGINT: stop accepting, drain in-flight requests (at most --exit-timeout-secs), exit 0.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "common/logging.h"
#include "server/grpc/grpc_server.h"
#include "server/http/http_server.h"
#include "server/inference_server.h"

namespace berth::cli {
namespace {

struct ServeFlags {
  std::string model_repository = "./models";
  std::string model_control_mode = "none";
  std::vector<std::string> load_models;
  std::string http_address = "0.0.0.0";
  int http_port = 8000;
  int grpc_port = 8001;
  bool allow_grpc = true;
  std::string grpc_address;  // "" = --http-address
  int64_t grpc_max_message_bytes = int64_t{64} << 20;
  int http_thread_count = 0;
  int http_infer_thread_count = 0;
  int64_t http_inline_infer_max_us = 200;
  int64_t http_alone_infer_max_us = 50'000;
  int64_t async_max_jobs = 1024;
  int async_job_ttl_secs = 600;
  int64_t max_body_bytes = int64_t{64} << 20;
  int64_t max_tensor_elements = int64_t{1} << 28;
  int64_t cache_size_bytes = int64_t{64} << 20;
  int http_header_timeout_secs = 30;
  int http_body_timeout_secs = 60;
  int http_idle_timeout_secs = 60;
  int exit_timeout_secs = 30;
  std::string log_level = "info";
  int log_verbose = 0;
  std::string log_format = "json";
  std::string log_payload_file;
  double log_payload_sample_rate = 1.0;
};

int Fail(const std::string& event, const std::string& message) {
  LogEvent(LogLevel::kError, event, {{"error", message}});
  return 1;
}

int Serve(const ServeFlags& f) {
  LogLevel level = LogLevel::kInfo;
  if (!ParseLogLevel(f.log_level, &level)) {
    std::fprintf(stderr,
                 "berth serve: --log-level must be debug, info, warning or error, got '%s'\n",
                 f.log_level.c_str());
    return 2;
  }
  if (f.log_verbose > 0) level = LogLevel::kDebug;  // Triton: any verbose level means debug output
  SetLogLevel(level);
  SetLogFormat(f.log_format == "text" ? LogFormat::kText : LogFormat::kJson);

  // Signals are taken by sigwait() below; block them before any thread exists so every thread
  // inherits the mask and none of them is interrupted. Writes to closed sockets must not kill us.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  ServerOptions options;
  options.model_repository = f.model_repository;
  options.startup_models = f.load_models;
  options.explicit_model_control = f.model_control_mode == "explicit";
  options.max_tensor_elements = f.max_tensor_elements;
  options.cache_size_bytes = f.cache_size_bytes;
  LogEvent(LogLevel::kInfo, "server_starting",
           {{"model_repository", f.model_repository},
            {"model_control_mode", f.model_control_mode},
            {"load_model", f.load_models}});

  StatusOr<std::unique_ptr<InferenceServer>> created = InferenceServer::Create(options);
  if (!created.ok()) return Fail("server_start_failed", created.status().message());
  std::unique_ptr<InferenceServer> core = std::move(created).value();

  http::HttpServerOptions http_options;
  http_options.address = f.http_address;
  http_options.port = static_cast<uint16_t>(f.http_port);
  http_options.io_threads = f.http_thread_count;
  http_options.worker_threads = f.http_infer_thread_count;
  http_options.max_inline_infer_us = f.http_inline_infer_max_us;
  http_options.max_alone_inline_us = f.http_alone_infer_max_us;
  http_options.async_jobs.max_jobs = static_cast<size_t>(f.async_max_jobs);
  http_options.async_jobs.ttl = std::chrono::seconds(f.async_job_ttl_secs);
  http_options.max_body_bytes = static_cast<size_t>(f.max_body_bytes);
  http_options.header_timeout = std::chrono::seconds(f.http_header_timeout_secs);
  http_options.body_timeout = std::chrono::seconds(f.http_body_timeout_secs);
  http_options.idle_timeout = std::chrono::seconds(f.http_idle_timeout_secs);
  http_options.parse.max_tensor_elements = f.max_tensor_elements;
  http_options.payload_log_file = f.log_payload_file;
  http_options.payload_log_sample_rate = f.log_payload_sample_rate;
  StatusOr<std::unique_ptr<http::HttpServer>> started =
      http::HttpServer::Start(*core, http_options);
  if (!started.ok()) return Fail("server_start_failed", started.status().message());
  std::unique_ptr<http::HttpServer> http_server = std::move(started).value();

  std::unique_ptr<grpc_frontend::GrpcServer> grpc_server;
  if (f.allow_grpc) {
    grpc_frontend::GrpcServerOptions grpc_options;
    grpc_options.address = f.grpc_address.empty() ? f.http_address : f.grpc_address;
    grpc_options.port = static_cast<uint16_t>(f.grpc_port);
    grpc_options.max_message_bytes = f.grpc_max_message_bytes;
    grpc_options.parse.max_tensor_elements = f.max_tensor_elements;
    StatusOr<std::unique_ptr<grpc_frontend::GrpcServer>> grpc_started =
        grpc_frontend::GrpcServer::Start(*core, grpc_options);
    if (!grpc_started.ok()) return Fail("server_start_failed", grpc_started.status().message());
    grpc_server = std::move(grpc_started).value();
  }
  LogEvent(LogLevel::kInfo, "server_ready",
           {{"ready", core->IsReady()},
            {"http_port", http_server->port()},
            {"grpc_port", grpc_server ? nlohmann::json(grpc_server->port()) : nlohmann::json()}});

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(f.exit_timeout_secs);
  LogEvent(LogLevel::kInfo, "shutdown_started",
           {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"},
            {"inflight", core->InflightRequests()},
            {"exit_timeout_secs", f.exit_timeout_secs}});
  // A second signal means "now".
  std::thread([stop_signals] {
    int again = 0;
    sigwait(&stop_signals, &again);
    LogEvent(LogLevel::kWarning, "shutdown_forced",
             {{"signal", again == SIGTERM ? "SIGTERM" : "SIGINT"}});
    std::_Exit(1);
  }).detach();

  http_server->StopAccepting();
  if (grpc_server) grpc_server->StopAccepting(std::chrono::seconds(f.exit_timeout_secs));
  const auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::max(
        deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration::zero()));
  };
  const int64_t core_left = core->Drain(left());
  const int64_t http_left = http_server->WaitIdle(left());
  const int64_t grpc_left = grpc_server ? grpc_server->WaitIdle(left()) : 0;
  if (core_left > 0 || http_left > 0 || grpc_left > 0) {
    // Workers are still inside models; joining them would outlast the deadline the operator set.
    LogEvent(LogLevel::kWarning, "shutdown_timeout",
             {{"inflight_inferences", core_left},
              {"inflight_http_requests", http_left},
              {"inflight_grpc_requests", grpc_left}});
    std::_Exit(0);
  }
  http_server->Stop();
  http_server.reset();
  if (grpc_server) grpc_server->Stop();
  grpc_server.reset();
  core.reset();
  LogEvent(LogLevel::kInfo, "server_stopped");
  return 0;
}

}  // namespace

CommandRunner AddServeCommand(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* sub =
      app.add_subcommand("serve", "Serve a model repository over the KServe v2 protocol (HTTP/REST and gRPC)");
  ServeFlags& f = *flags;
  sub->add_option(
         "--model-repository", f.model_repository,
         "Folder of models: <model>/<version>/model.onnx and optional <model>/config.pbtxt")
      ->capture_default_str();
  sub->add_option(
         "--model-control-mode", f.model_control_mode,
         "none: load every model at start; explicit: load only --load-model models, then via the "
         "repository API")
      ->check(CLI::IsMember({"none", "explicit"}))
      ->capture_default_str();
  sub->add_option("--load-model", f.load_models,
                  "Model to load at start-up (repeatable; '*' for all)");
  sub->add_option("--http-address", f.http_address, "Address to listen on")->capture_default_str();
  sub->add_option("--http-port", f.http_port,
                  "HTTP port; 0 picks a free port (logged as server_listening)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  sub->add_option("--allow-grpc", f.allow_grpc,
                  "Serve the KServe v2 gRPC protocol (and grpc.health.v1) besides HTTP")
      ->capture_default_str();
  sub->add_option("--grpc-address", f.grpc_address,
                  "Address gRPC listens on; default: the --http-address");
  sub->add_option("--grpc-port", f.grpc_port,
                  "gRPC port; 0 picks a free port (logged as grpc_listening)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  sub->add_option("--grpc-max-message-bytes", f.grpc_max_message_bytes,
                  "Largest gRPC message accepted or sent (larger: RESOURCE_EXHAUSTED)")
      ->check(CLI::Range(int64_t{1}, int64_t{2147483647}))
      ->capture_default_str();
  sub->add_option("--http-thread-count", f.http_thread_count,
                  "Threads for HTTP connections; 0 = one per core")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option(
         "--http-infer-thread-count", f.http_infer_thread_count,
         "Threads running inference and model loads for HTTP requests; 0 = max(8, 2 x cores)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--http-inline-infer-max-us", f.http_inline_infer_max_us,
                  "Models answering within this many µs run on the connection's thread, saving two "
                  "thread hand-offs; 0 = always use the inference threads")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--http-alone-infer-max-us", f.http_alone_infer_max_us,
                  "A connection alone on its network thread runs models answering within this many µs "
                  "on that thread when the model is idle (a connection accepted there meanwhile waits "
                  "that long at most); 0 = never")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--async-max-jobs", f.async_max_jobs,
                  "Most asynchronous inference jobs kept at once (pending or finished); more: 429")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--async-job-ttl-secs", f.async_job_ttl_secs,
                  "How long a finished asynchronous job's result is kept")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--max-body-bytes", f.max_body_bytes,
                  "Largest request body accepted (larger: 413)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--max-tensor-elements", f.max_tensor_elements,
                  "Largest element count of one input tensor")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--cache-size-bytes", f.cache_size_bytes,
                  "Byte budget of the response cache (models opt in with response_cache { enable: true }); "
                  "least recently used entries are evicted; 0 turns the cache off")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--http-header-timeout-secs", f.http_header_timeout_secs,
                  "Time a client has to send a request's header")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--http-body-timeout-secs", f.http_body_timeout_secs,
                  "Time a client has to send a request's body (and to read the response)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--http-idle-timeout-secs", f.http_idle_timeout_secs,
                  "Idle keep-alive connections are closed after this")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--exit-timeout-secs", f.exit_timeout_secs,
                  "On SIGTERM/SIGINT, how long in-flight requests may take to finish")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--log-level", f.log_level, "debug, info, warning or error")
      ->check(CLI::IsMember({"debug", "info", "warning", "warn", "error"}))
      ->capture_default_str();
  sub->add_option("--log-verbose", f.log_verbose, "Triton's verbosity; > 0 means --log-level debug")
      ->capture_default_str();
  sub->add_option("--log-format", f.log_format, "json (one object per line) or text")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  sub->add_option("--log-payload-file", f.log_payload_file,
                  "Append sampled inference requests and responses (JSON parts) to this file");
  sub->add_option("--log-payload-sample-rate", f.log_payload_sample_rate,
                  "Fraction of inference requests written to --log-payload-file")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  return [flags] { return Serve(*flags); };
}

}  // namespace berth::cli
