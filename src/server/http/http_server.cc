#include "server/http/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/logging.h"
#include "server/http/infer_response_writer.h"
#include "server/http/inline_policy.h"
#include "server/http/payload_log.h"
#include "server/http/router.h"
#include "server/metrics.h"

namespace berth::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
// A socket bound to its thread's io_context by type: completions dispatch without the type-erased
// executor (any_io_executor) that tcp::socket and beast::tcp_stream carry on every operation.
using Socket = net::basic_stream_socket<tcp, net::io_context::executor_type>;

// How long a connection that we close after an error keeps reading (and discarding) what the client
// still sends, so the client gets to read our error response instead of a connection reset.
constexpr auto kLingerTime = std::chrono::seconds(3);
constexpr size_t kReadChunk = 16 * 1024;
// Bodies at least this large skip Beast's body parsing (see ReadBodyDirect).
constexpr size_t kDirectBodyBytes = 64 * 1024;

class Session;

// One network thread: its io_context (run by it alone), its connections, and the timer that closes
// those past their deadline. Connections keep a deadline (a time point) rather than a timer each:
// arming and cancelling a timer around every read and write was ~3 % of a small request's CPU
// (Beast's tcp_stream does that); checking every connection a few times a second costs nothing.
struct NetworkThread {
  net::io_context ioc{1};
  net::steady_timer sweep_timer{ioc};
  std::vector<std::weak_ptr<Session>> sessions;  // only touched on this thread
};

// State every connection shares.
struct Shared {
  Shared(InferenceServer& s, const HttpServerOptions& o, net::thread_pool::executor_type w)
      : server(s),
        options(o),
        jobs(s, o.async_jobs),
        router(s, o.parse, &jobs),
        workers(w),
        inline_policy(o.max_inline_infer_us, 64 * 1024, o.max_alone_inline_us) {}

  InferenceServer& server;
  const HttpServerOptions options;
  AsyncJobStore jobs;  // before router, which uses it
  const Router router;
  net::thread_pool::executor_type workers;
  InlinePolicy inline_policy;
  std::unique_ptr<PayloadLogger> payload_logger;  // null when payload logging is off

  // Open connections per network thread (index of its io_context); sized once at start.
  std::unique_ptr<std::atomic<int>[]> connections_per_thread;

  std::atomic<bool> draining{false};
  std::atomic<uint64_t> request_counter{0};

  // Requests being handled; WaitIdle waits for zero.
  std::mutex active_mutex;
  std::condition_variable active_cv;
  int64_t active = 0;  // guarded by active_mutex

  // Live connections, so that StopAccepting can reach the idle ones.
  std::mutex sessions_mutex;
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions;  // guarded by sessions_mutex
  uint64_t next_session_id = 0;                                   // guarded by sessions_mutex

  void AddActive(int64_t delta) {
    std::lock_guard lock(active_mutex);
    active += delta;
    if (active == 0) active_cv.notify_all();
  }
};

// Is this error just the peer going away (or our own timeout/close), i.e. nothing to answer?
bool IsDisconnect(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::operation_aborted || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::error::bad_descriptor ||
         ec == beast::error::timeout || ec == bhttp::error::partial_message;
}

Response PlainError(bhttp::status status, const std::string& message) {
  Response res{status, 11};
  res.set(bhttp::field::server, "berth");
  res.set(bhttp::field::content_type, "application/json");
  res.body() = ErrorBody(message);
  res.prepare_payload();
  return res;
}

// The JSON part of an inference body: all of it, or the header before binary tensor data. A bad
// header length counts as the whole body (the parser then words the error).
size_t JsonBytes(const Request& request) {
  auto h = request.find("Inference-Header-Content-Length");
  if (h == request.end()) return request.body().size();
  StatusOr<size_t> length = ParseInferenceHeaderLength(ToStd(h->value()), request.body().size());
  return length.ok() ? *length : request.body().size();
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket&& socket, std::shared_ptr<Shared> shared, uint64_t id, size_t thread,
          NetworkThread* network_thread)
      : socket_(std::move(socket)),
        shared_(std::move(shared)),
        id_(id),
        thread_(thread),
        network_thread_(network_thread) {
    shared_->server.metrics().AddOpenConnections("http", 1);
    shared_->connections_per_thread[thread_].fetch_add(1);
  }

  ~Session() {
    shared_->connections_per_thread[thread_].fetch_sub(1);
    if (in_request_) shared_->AddActive(-1);
    shared_->server.metrics().AddOpenConnections("http", -1);
    std::lock_guard lock(shared_->sessions_mutex);
    shared_->sessions.erase(id_);
  }

  void Start() {
    beast::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    net::dispatch(socket_.get_executor(), [self = shared_from_this()] {
      self->network_thread_->sessions.push_back(self);
      self->ReadNext();
    });
  }

  // From the sweep, on this connection's thread: closes it if its deadline has passed. Operations in
  // flight then complete with operation_aborted, as when a timeout closed the socket before.
  void CloseIfExpired(Clock::time_point now) {
    if (now >= deadline_) Close();
  }

  // From StopAccepting: close if idle, otherwise close after the current response.
  void Drain() {
    net::post(socket_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::kIdle) self->Close();
    });
  }

  // From Stop: close now.
  void ForceClose() {
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->Close(); });
  }

 private:
  enum class State { kIdle, kReading, kBusy, kWriting, kLingering, kClosed };

  void ReadNext() {
    if (state_ == State::kClosed) return;
    if (shared_->draining.load()) return Close();
    state_ = State::kIdle;
    parser_.emplace();
    body_read_directly_ = false;
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<size_t>(shared_->options.max_header_bytes, UINT32_MAX)));
    parser_->body_limit(shared_->options.max_body_bytes);
    if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here
    // Wait for the first byte under the idle timeout; the header timeout starts after it.
    ExpiresAfter(shared_->options.idle_timeout);
    socket_.async_read_some(
        buffer_.prepare(kReadChunk),
        [self = shared_from_this()](beast::error_code ec, size_t n) { self->OnIdleRead(ec, n); });
  }

  void OnIdleRead(beast::error_code ec, size_t n) {
    if (ec) return Close();
    buffer_.commit(n);
    ReadHeader();
  }

  void ReadHeader() {
    if (state_ == State::kClosed) return;
    state_ = State::kReading;
    BeginRequest();
    ExpiresAfter(shared_->options.header_timeout);
    bhttp::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    const auto& header = parser_->get();
    auto expect = header.find(bhttp::field::expect);
    if (expect != header.end() && beast::iequals(expect->value(), "100-continue")) {
      // curl asks before sending a large body; say yes (the size was already checked).
      continue_ = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                       header.version());
      bhttp::async_write(socket_, *continue_,
                         [self = shared_from_this()](beast::error_code ec, size_t) {
                           if (ec) return self->Close();
                           self->ReadBody();
                         });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    ExpiresAfter(shared_->options.body_timeout);
    const boost::optional<std::uint64_t> length = parser_->content_length();
    if (length && *length >= kDirectBodyBytes && *length <= shared_->options.max_body_bytes &&
        !parser_->chunked()) {
      return ReadBodyDirect(static_cast<size_t>(*length));
    }
    bhttp::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  // A large body with a Content-Length goes straight from the socket into the request's body:
  // Beast's parser reads at most 64 KiB per system call and copies every byte twice (socket ->
  // buffer_ -> body). For ResNet-18's 602 KB binary request that was ~0.2 ms of ~0.65 ms server
  // time outside the model (bench/serve).
  void ReadBodyDirect(size_t length) {
    request_ = parser_->release();
    body_read_directly_ = true;
    std::string& body = request_.body();
    body.resize(length);
    const size_t have = std::min(buffer_.size(), length);
    net::buffer_copy(net::buffer(body.data(), have), buffer_.data());
    buffer_.consume(have);  // anything past the body is the next (pipelined) request
    if (have == length) return OnBodyRead();
    net::async_read(socket_, net::buffer(body.data() + have, length - have),
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      if (ec == net::error::eof) ec = bhttp::error::partial_message;
                      if (ec) return self->OnReadError(ec);
                      self->OnBodyRead();
                    });
  }

  void OnReadError(beast::error_code ec) {
    keep_alive_ = false;
    if (ec == bhttp::error::body_limit) {
      return Reply(PlainError(bhttp::status::payload_too_large,
                              "request body is larger than the limit of " +
                                  std::to_string(shared_->options.max_body_bytes) +
                                  " bytes (--max-body-bytes)"));
    }
    if (ec == bhttp::error::header_limit) {
      return Reply(PlainError(bhttp::status::request_header_fields_too_large,
                              "request header is larger than the limit of " +
                                  std::to_string(shared_->options.max_header_bytes) + " bytes"));
    }
    // Parse errors are the client's fault and get an answer; anything else (the peer went away, a
    // timeout, which has already closed the socket) just ends the connection.
    if (IsDisconnect(ec) ||
        ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category()) {
      return Close();
    }
    Reply(PlainError(bhttp::status::bad_request, "malformed HTTP request: " + ec.message()));
  }

  void OnBody(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    request_ = parser_->release();
    OnBodyRead();
  }

  // The whole request is in request_.
  void OnBodyRead() {
    state_ = State::kBusy;
    deadline_ = Clock::time_point::max();  // a model may take as long as it takes
    keep_alive_ = request_.keep_alive();
    if (!Router::MayBlock(request_)) return Reply(shared_->router.Handle(request_, &info_));
    const std::string_view model = InferTargetModel(ToStd(request_.target()));
    if (shared_->inline_policy.ShouldInline(model, request_.body().size())) {
      // A quick model: parse here and let the model run on this thread if it is idle; the answer
      // comes back at once (direct run) or from the model's worker.
      return HandleAsync(/*allow_direct=*/true);
    }
    if (shared_->inline_policy.ShouldParseHere(model, JsonBytes(request_))) {
      // A slow model but a cheap parse: parse here and queue to the model's worker directly, or run
      // it here (instance idle) when no other connection shares this thread.
      const bool alone = shared_->connections_per_thread[thread_].load() == 1 &&
                         shared_->inline_policy.ShouldRunAlone(model);
      return HandleAsync(/*allow_direct=*/alone);
    }
    // Unknown models, large JSON bodies, model loads, long polls: off the network thread.
    net::post(shared_->workers, [self = shared_from_this()] { self->HandleAsync(/*allow_direct=*/false); });
  }

  void HandleAsync(bool allow_direct) {
    shared_->router.HandleAsync(request_, &info_, allow_direct, [self = shared_from_this()](Response res) {
      if (self->info_.compute_us > 0) {
        self->shared_->inline_policy.Record(InferTargetModel(ToStd(self->request_.target())),
                                            self->info_.compute_us);
      }
      auto response = std::make_shared<Response>(std::move(res));
      // Runs Reply right away when already on this connection's network thread.
      net::dispatch(self->socket_.get_executor(), [self, response] { self->Reply(std::move(*response)); });
    });
  }

  void Reply(Response res) {
    if (state_ == State::kClosed) return;
    state_ = State::kWriting;
    res.version(request_.version() == 10 ? 10 : 11);
    res.keep_alive(keep_alive_ && !shared_->draining.load());
    // Every Router answer has its Content-Length (HEAD keeps the GET answer's); a response that
    // lacks one gets it here, so the header below is always complete.
    if (res.find(bhttp::field::content_length) == res.end()) res.prepare_payload();
    request_id_ =
        !info_.request_id.empty() ? info_.request_id : std::string(request_["X-Request-ID"]);
    if (request_id_.empty())
      request_id_ = std::to_string(shared_->request_counter.fetch_add(1) + 1);
    response_ = std::move(res);
    response_keep_alive_ = response_.keep_alive();
    // The header is written by hand into a buffer the connection keeps, and sent with the body in
    // one gather write: Beast's serializer cost more than the rest of the response on small
    // answers (bench/serve).
    AppendResponseHeader(response_, request_id_, header_);
    const std::array<net::const_buffer, 2> buffers = {
        net::buffer(header_), net::buffer(response_.body().data(), response_.body().size())};
    ExpiresAfter(shared_->options.body_timeout);
    net::async_write(
        socket_, buffers,
        [self = shared_from_this()](beast::error_code ec, size_t n) { self->OnWrite(ec, n); });
  }

  // "HTTP/1.1 200 OK\r\n", the response's fields, X-Request-ID, then the blank line.
  static void AppendResponseHeader(const Response& res, const std::string& request_id,
                                   std::string& out) {
    out.clear();
    out += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    char code[8];
    auto [end, ec] = std::to_chars(code, code + sizeof code, res.result_int());
    out.append(code, end);
    out += ' ';
    const beast::string_view reason = res.reason();
    out.append(reason.data(), reason.size());
    out += "\r\n";
    for (const auto& field : res) {
      out.append(field.name_string().data(), field.name_string().size());
      out += ": ";
      out.append(field.value().data(), field.value().size());
      out += "\r\n";
    }
    // The id may come from the request's JSON "id": control characters (a CR LF would start a
    // header of the client's choosing) are left out of the header line.
    out += "X-Request-ID: ";
    for (const char c : request_id) {
      if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
    }
    out += "\r\n\r\n";
  }

  void OnWrite(beast::error_code ec, size_t bytes_written) {
    LogRequest(bytes_written);
    EndRequest();
    const bool keep_alive = response_keep_alive_;
    const bool request_complete = body_read_directly_ || (parser_ && parser_->is_done());
    response_ = {};
    request_ = {};
    info_ = {};
    if (ec) return Close();
    if (!keep_alive) {
      // If we answered before reading the whole request (413, 431), linger so the client reads the
      // answer instead of a reset; otherwise close right away.
      return request_complete ? Close() : Linger();
    }
    ReadNext();
  }

  void LogRequest(size_t bytes_written) {
    const int status = static_cast<int>(response_.result_int());
    const std::string_view method = ToStd(request_.method_string().empty()
                                              ? parser_->get().method_string()
                                              : request_.method_string());
    shared_->server.metrics().RecordHttpRequest(method, status);
    if (LogEnabled(LogLevel::kInfo)) {
      const auto latency =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start_).count();
      LogLine line(LogLevel::kInfo, "request");
      line.Str("request_id", request_id_)
          .Str("method", method)
          .Str("path", ToStd(request_.target().empty() ? parser_->get().target() : request_.target()))
          .Int("status", status)
          .Str("model", info_.model)
          .Str("version", info_.version)
          .Int("latency_us", latency)
          .Int("batch_size", info_.batch_size)
          .Int("bytes_in", static_cast<int64_t>(request_.body().size()))
          .Int("bytes_out", static_cast<int64_t>(response_.body().size()));
      if (!info_.error.empty()) line.Str("error", info_.error);
      line.Emit();
    }
    if (shared_->payload_logger && info_.inference && shared_->payload_logger->ShouldSample()) {
      PayloadRecord record;
      record.request_id = request_id_;
      record.model = info_.model;
      record.version = info_.version;
      record.target = std::string(request_.target());
      record.status = status;
      record.request_body = request_.body();
      if (auto h = request_.find("Inference-Header-Content-Length"); h != request_.end()) {
        StatusOr<size_t> n = ParseInferenceHeaderLength(ToStd(h->value()), request_.body().size());
        if (n.ok()) record.request_json_length = *n;
      }
      record.response_body = response_.body();
      if (auto h = response_.find("Inference-Header-Content-Length"); h != response_.end()) {
        StatusOr<size_t> n =
            ParseInferenceHeaderLength(ToStd(h->value()), response_.body().size());
        if (n.ok()) record.response_json_length = *n;
      }
      shared_->payload_logger->Log(record);
    }
    (void)bytes_written;
  }

  void BeginRequest() {
    if (in_request_) return;
    in_request_ = true;
    start_ = Clock::now();
    shared_->AddActive(1);
  }

  void EndRequest() {
    if (!in_request_) return;
    in_request_ = false;
    shared_->AddActive(-1);
  }

  void Linger() {
    state_ = State::kLingering;
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    ExpiresAfter(kLingerTime);
    DiscardInput();
  }

  void DiscardInput() {
    socket_.async_read_some(net::buffer(discard_, sizeof discard_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->Close();
                              self->DiscardInput();
                            });
  }

  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    EndRequest();
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  void ExpiresAfter(Clock::duration timeout) { deadline_ = Clock::now() + timeout; }

  Socket socket_;
  std::shared_ptr<Shared> shared_;
  const uint64_t id_;
  const size_t thread_;  // index of the network thread (io_context) this connection runs on
  NetworkThread* const network_thread_;
  Clock::time_point deadline_ = Clock::time_point::max();  // the sweep closes the connection after it
  State state_ = State::kIdle;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool body_read_directly_ = false;  // this request's body bypassed parser_ (ReadBodyDirect)
  std::shared_ptr<bhttp::response<bhttp::empty_body>> continue_;
  Request request_;
  RequestInfo info_;
  Response response_;               // the answer being written
  bool response_keep_alive_ = false;
  std::string header_;              // its header text (the buffer is kept between requests)
  std::string request_id_;
  bool keep_alive_ = true;
  bool in_request_ = false;
  Clock::time_point start_;
  char discard_[4096];
};

class HttpServerImpl final : public HttpServer {
 public:
  HttpServerImpl(InferenceServer& server, const HttpServerOptions& options, int io_threads,
                 int worker_threads)
      : workers_(static_cast<size_t>(worker_threads)),
        shared_(std::make_shared<Shared>(server, options, workers_.get_executor())),
        network_threads_(MakeNetworkThreads(io_threads)),
        accept_context_(std::make_unique<net::io_context>(1)),
        acceptor_(accept_context_->get_executor()),
        retry_timer_(acceptor_.get_executor()) {
    for (auto& t : network_threads_) work_.push_back(net::make_work_guard(t->ioc));
    work_.push_back(net::make_work_guard(*accept_context_));
    shared_->connections_per_thread = std::make_unique<std::atomic<int>[]>(network_threads_.size());
  }

  ~HttpServerImpl() override { Stop(); }

  Status Listen() {
    beast::error_code ec;
    const net::ip::address address = net::ip::make_address(shared_->options.address, ec);
    if (ec)
      return InvalidArgument("--http-address '" + shared_->options.address +
                             "' is not an IP address");
    const tcp::endpoint endpoint(address, shared_->options.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Unavailable("cannot listen on " + shared_->options.address + ":" +
                         std::to_string(shared_->options.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    DoAccept();
    for (auto& t : network_threads_) {
      Sweep(*t);
      threads_.emplace_back([ioc = &t->ioc] { ioc->run(); });
    }
    threads_.emplace_back([ioc = accept_context_.get()] { ioc->run(); });
    return Status::Ok();
  }

  Status OpenPayloadLog() {
    if (shared_->options.payload_log_file.empty()) return Status::Ok();
    ASSIGN_OR_RETURN(shared_->payload_logger,
                     PayloadLogger::Open(shared_->options.payload_log_file,
                                         shared_->options.payload_log_sample_rate));
    return Status::Ok();
  }

  uint16_t port() const override { return port_; }
  std::string address() const override { return shared_->options.address; }

  void StopAccepting() override {
    if (shared_->draining.exchange(true)) return;
    if (threads_.empty()) {  // never started (Listen failed): nothing runs on the acceptor
      beast::error_code ignored;
      acceptor_.close(ignored);
      return;
    }
    std::promise<void> closed;
    net::post(acceptor_.get_executor(), [this, &closed] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      retry_timer_.cancel();
      closed.set_value();
    });
    closed.get_future().wait();
    for (const auto& session : LiveSessions()) session->Drain();
  }

  int64_t WaitIdle(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(shared_->active_mutex);
    shared_->active_cv.wait_for(lock, timeout, [this] { return shared_->active == 0; });
    return shared_->active;
  }

  void Stop() override {
    if (stopped_) return;
    stopped_ = true;
    StopAccepting();
    for (const auto& session : LiveSessions()) session->ForceClose();
    work_.clear();
    for (auto& t : network_threads_) t->ioc.stop();  // what the closes did not finish is destroyed with them
    accept_context_->stop();
    for (std::thread& t : threads_) t.join();
    workers_.join();
  }

  int64_t ActiveRequests() const override {
    std::lock_guard lock(shared_->active_mutex);
    return shared_->active;
  }

 private:
  std::vector<std::shared_ptr<Session>> LiveSessions() {
    std::vector<std::shared_ptr<Session>> live;
    std::lock_guard lock(shared_->sessions_mutex);
    for (auto& [id, weak] : shared_->sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
    return live;
  }

  void DoAccept() {
    // Connections are spread round-robin over the threads' own io_contexts.
    const size_t thread = next_context_++ % network_threads_.size();
    NetworkThread* network_thread = network_threads_[thread].get();
    acceptor_.async_accept(
        network_thread->ioc, [this, thread, network_thread](beast::error_code ec, Socket socket) {
          if (!acceptor_.is_open()) return;
          if (ec) {
            // Out of file descriptors and the like: log, back off briefly, try again.
            LogEvent(LogLevel::kWarning, "accept_failed", {{"error", ec.message()}});
            retry_timer_.expires_after(std::chrono::milliseconds(50));
            retry_timer_.async_wait([this](beast::error_code wait_ec) {
              if (!wait_ec && acceptor_.is_open()) DoAccept();
            });
            return;
          }
          uint64_t id;
          {
            std::lock_guard lock(shared_->sessions_mutex);
            id = shared_->next_session_id++;
          }
          auto session = std::make_shared<Session>(std::move(socket), shared_, id, thread, network_thread);
          {
            std::lock_guard lock(shared_->sessions_mutex);
            shared_->sessions[id] = session;
          }
          session->Start();
          DoAccept();
        });
  }

  // One io_context per network thread, each run by that thread alone: a connection's handlers all
  // run on one thread (no strand needed), and no thread wakes another to run a ready handler, which
  // a shared io_context does on every completion (measured: a third of the time in futex calls).
  static std::vector<std::unique_ptr<NetworkThread>> MakeNetworkThreads(int n) {
    std::vector<std::unique_ptr<NetworkThread>> threads;
    for (int i = 0; i < std::max(1, n); ++i) threads.push_back(std::make_unique<NetworkThread>());
    return threads;
  }

  // Every so often, on the network thread: closes its connections past their deadline and forgets
  // the ones gone. The period is a quarter of the shortest timeout (50 ms to 1 s), so a connection
  // outlives its timeout by at most that much.
  void Sweep(NetworkThread& t) {
    const HttpServerOptions& o = shared_->options;
    const auto shortest = std::min({o.idle_timeout, o.header_timeout, o.body_timeout});
    const auto period = std::clamp<std::chrono::milliseconds>(shortest / 4, std::chrono::milliseconds(50),
                                                               std::chrono::milliseconds(1000));
    t.sweep_timer.expires_after(period);
    t.sweep_timer.async_wait([this, &t](beast::error_code ec) {
      if (ec) return;
      const Clock::time_point now = Clock::now();
      auto& sessions = t.sessions;
      for (size_t i = 0; i < sessions.size();) {
        if (std::shared_ptr<Session> session = sessions[i].lock()) {
          session->CloseIfExpired(now);
          ++i;
        } else {
          sessions[i] = std::move(sessions.back());
          sessions.pop_back();
        }
      }
      Sweep(t);
    });
  }

  net::thread_pool workers_;
  std::shared_ptr<Shared> shared_;
  std::vector<std::unique_ptr<NetworkThread>> network_threads_;
  // The acceptor has a thread of its own: accepting never waits behind a connection's work on a
  // network thread (a model run there, see InlinePolicy).
  std::unique_ptr<net::io_context> accept_context_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;
  std::vector<std::thread> threads_;
  size_t next_context_ = 0;  // only touched on the acceptor's thread
  uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(InferenceServer& server,
                                                        const HttpServerOptions& options) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int io_threads = options.io_threads > 0 ? options.io_threads : cores;
  const int worker_threads =
      options.worker_threads > 0 ? options.worker_threads : std::max(8, 2 * cores);
  if (options.max_body_bytes == 0) return InvalidArgument("--max-body-bytes must be positive");
  auto impl = std::make_unique<HttpServerImpl>(server, options, io_threads, worker_threads);
  RETURN_IF_ERROR(impl->OpenPayloadLog());
  RETURN_IF_ERROR(impl->Listen());
  LogEvent(LogLevel::kInfo, "server_listening",
           {{"protocol", "http"},
            {"address", options.address},
            {"port", impl->port()},
            {"io_threads", io_threads},
            {"worker_threads", worker_threads}});
  return std::unique_ptr<HttpServer>(std::move(impl));
}

}  // namespace berth::http
