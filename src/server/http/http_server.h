#pragma once
// HttpServer: the KServe v2 REST front end on HTTP/1.1 (Boost.Beast over Boost.Asio).
//
// Threads: `io_threads` run the sockets (accept, read, parse, write) and answer cheap requests
// (health, metadata, metrics) inline; requests that may block (inference, model load) go to a pool
// of `worker_threads`, so a busy model never delays a liveness probe. Each connection is served on
// its own strand with keep-alive; requests on one connection are answered in order.
//
// Limits: bodies over max_body_bytes get 413 before they are read; a request's header must arrive
// within header_timeout, its body within body_timeout; a keep-alive connection idle for
// idle_timeout is closed. Every request is logged as one "request" event (see README "Serving").
//
// Shutdown: StopAccepting() closes the listening socket and idle connections and makes busy ones
// close after their current response; WaitIdle() waits for those responses; Stop() ends the
// threads. Thread-safety: all methods may be called from any thread except the server's own.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "berth/status.h"
#include "server/async_jobs.h"
#include "server/http/infer_request_parser.h"
#include "server/inference_server.h"

namespace berth::http {

struct HttpServerOptions {
  std::string address = "0.0.0.0";
  uint16_t port = 8000;    // 0: the OS picks a free port (see HttpServer::port())
  int io_threads = 0;      // 0: one per core
  int worker_threads = 0;  // 0: max(8, 2 x cores)
  // Inference for models that recently answered within this many µs runs on the network thread
  // (see inline_policy.h); 0 sends every inference to the worker pool.
  int64_t max_inline_infer_us = 200;
  // A connection that is the only one on its network thread runs models that answer within this
  // many µs on that thread too, when the model's instance is idle (no hand-off to the model's worker
  // and back: ~0.1 ms each here). A connection accepted onto that thread meanwhile waits at most
  // about that long. 0 turns it off.
  int64_t max_alone_inline_us = 50'000;
  size_t max_body_bytes = size_t{64} << 20;
  size_t max_header_bytes = size_t{64} << 10;
  std::chrono::milliseconds header_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds body_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  InferParseOptions parse;
  // Asynchronous inference jobs (POST .../infer_async, /v2/jobs).
  AsyncJobOptions async_jobs;
  // Sampled payload logging (off when the path is empty).
  std::string payload_log_file;
  double payload_log_sample_rate = 1.0;
};

class HttpServer {
 public:
  // Binds and starts serving; fails if the address cannot be bound. `server` must outlive this.
  static StatusOr<std::unique_ptr<HttpServer>> Start(InferenceServer& server,
                                                     const HttpServerOptions& options);
  virtual ~HttpServer() = default;

  virtual uint16_t port() const = 0;
  virtual std::string address() const = 0;

  // Stops accepting connections; closes idle keep-alive connections; connections with a request in
  // progress are closed after answering it.
  virtual void StopAccepting() = 0;
  // Waits until no request is being handled or `timeout` passes; returns how many still are.
  virtual int64_t WaitIdle(std::chrono::milliseconds timeout) = 0;
  // Closes every connection and joins the threads. Blocks while a worker is inside the core, so
  // call it after InferenceServer::Drain.
  virtual void Stop() = 0;

  // Requests being handled right now (read but not yet fully answered).
  virtual int64_t ActiveRequests() const = 0;
};

}  // namespace berth::http
