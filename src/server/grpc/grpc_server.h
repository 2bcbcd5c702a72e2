#pragma once
// The gRPC front end: KServe v2 `inference.GRPCInferenceService` (grpc_service.proto) plus the
// standard `grpc.health.v1.Health` service, on gRPC++'s callback API. Like the REST front end it
// only sees InferenceServer, so the same scheduler, metrics and logs apply; one JSON access-log
// line ("request", protocol "grpc") per RPC, and per message of a stream.
//
// Threads: gRPC's own callback threads parse requests and answer cheap RPCs; inferences go to the
// core through InferenceServer::InferAsync, whose completion (on a scheduler worker) renders the
// response and finishes the call, so no thread is held per call; model loads and unloads run on a
// small pool. ModelStreamInfer runs up to `max_stream_inflight` requests of one stream at a time
// and writes the responses in request order; a failed request gives a response with
// error_message set and the stream goes on.
// Health: SERVING exactly while InferenceServer::IsReady() (polled every 100 ms), NOT_SERVING from
// StopAccepting() on; it answers for "" and "inference.GRPCInferenceService".
// Limits: messages larger than max_message_bytes (either way) fail with RESOURCE_EXHAUSTED.
// Thread-safety: all methods may be called from any thread; Stop() once, at the end.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "berth/status.h"
#include "server/grpc/grpc_convert.h"
#include "server/inference_server.h"

namespace berth::grpc_frontend {

struct GrpcServerOptions {
  std::string address = "0.0.0.0";
  uint16_t port = 8001;  // 0: the OS picks a free port (see GrpcServer::port())
  int64_t max_message_bytes = int64_t{64} << 20;
  int worker_threads = 0;        // model loads/unloads at once; 0: max(2, cores)
  int max_stream_inflight = 16;  // requests of one stream being run at once
  GrpcParseOptions parse;
};

class GrpcServer {
 public:
  // Binds and starts serving; fails (Unavailable) if the address cannot be bound. `server` must
  // outlive this object.
  static StatusOr<std::unique_ptr<GrpcServer>> Start(InferenceServer& server,
                                                     const GrpcServerOptions& options);
  virtual ~GrpcServer() = default;

  virtual uint16_t port() const = 0;

  // Graceful shutdown, first step: health turns NOT_SERVING, new RPCs are refused (UNAVAILABLE),
  // streams take no new requests and end (OK) once their running ones are answered; calls in
  // flight go on. After `timeout`, whatever is still running is cancelled.
  virtual void StopAccepting(std::chrono::milliseconds timeout) = 0;
  // Waits until no RPC is being handled or `timeout` passes; returns how many still are.
  virtual int64_t WaitIdle(std::chrono::milliseconds timeout) = 0;
  // Ends everything now (cancels what is left) and joins the threads.
  virtual void Stop() = 0;
  virtual int64_t ActiveRequests() const = 0;
};

}  // namespace berth::grpc_frontend
