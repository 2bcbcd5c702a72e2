// HttpServer over real sockets (127.0.0.1, port 0) with a fake core: keep-alive, limits,
// concurrency and graceful shutdown.
#include "server/http/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <thread>

#include "server/http/testing/fake_inference_server.h"

namespace berth::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

// A blocking HTTP/1.1 client on one keep-alive connection.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }

  bhttp::response<bhttp::string_body> Send(bhttp::verb method, const std::string& target,
                                           const std::string& body = "", bool keep_alive = true) {
    bhttp::request<bhttp::string_body> req{method, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    req.keep_alive(keep_alive);
    req.body() = body;
    req.prepare_payload();
    bhttp::write(socket_, req);
    return Read();
  }

  bhttp::response<bhttp::string_body> Read() {
    bhttp::response<bhttp::string_body> res;
    bhttp::read(socket_, buffer_, res);
    return res;
  }

  tcp::socket& socket() { return socket_; }

 private:
  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

constexpr const char* kEchoBody =
    R"({"inputs": [{"name": "INPUT0", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]})";

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = {}) {
    options.address = "127.0.0.1";
    options.port = 0;
    options.io_threads = 2;
    options.worker_threads = 4;
    auto started = HttpServer::Start(core_, options);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value();
    ASSERT_NE(server_->port(), 0);
  }

  berth::testing::FakeInferenceServer core_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  StartServer();
  Client client(server_->port());
  for (int i = 0; i < 20; ++i) {
    auto res = client.Send(bhttp::verb::post, "/v2/models/echo/infer", kEchoBody);
    ASSERT_EQ(res.result_int(), 200) << res.body();
    EXPECT_TRUE(res.keep_alive());
    EXPECT_NE(res.body().find("\"OUTPUT0\""), std::string::npos);
  }
  auto res = client.Send(bhttp::verb::get, "/v2/health/live");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), R"({"live":true})");
  // A HEAD answer has no body; the connection stays usable after it.
  bhttp::request<bhttp::empty_body> head{bhttp::verb::head, "/v2/health/ready", 11};
  bhttp::write(client.socket(), head);
  bhttp::response_parser<bhttp::empty_body> parser;
  parser.skip(true);  // told the body is absent, as for any answer to HEAD
  beast::flat_buffer buffer;
  bhttp::read(client.socket(), buffer, parser);
  EXPECT_EQ(parser.get().result_int(), 200);
  EXPECT_EQ(client.Send(bhttp::verb::get, "/v2/health/live").result_int(), 200);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  Client client(server_->port());
  const std::string one = "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string two = "GET /v2/models/nope HTTP/1.1\r\nHost: x\r\n\r\n";
  net::write(client.socket(), net::buffer(one + two));
  EXPECT_EQ(client.Read().result_int(), 200);
  EXPECT_EQ(client.Read().result_int(), 404);
}

TEST_F(HttpServerTest, ResponseHeaderCarriesIdsAndKeepsControlCharactersOut) {
  StartServer();
  Client client(server_->port());
  // The request's JSON "id" becomes X-Request-ID; a CR LF in it must not start a header line.
  const std::string body =
      R"({"id": "a\r\nX-Injected: 1", "inputs": [{"name": "INPUT0", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]})";
  auto res = client.Send(bhttp::verb::post, "/v2/models/echo/infer", body);
  ASSERT_EQ(res.result_int(), 200) << res.body();
  EXPECT_EQ(res["X-Request-ID"], "aX-Injected: 1");
  EXPECT_EQ(res.find("X-Injected"), res.end());
  EXPECT_EQ(res[bhttp::field::content_length], std::to_string(res.body().size()));
  EXPECT_EQ(res[bhttp::field::server], "berth");
  // Without an id, the client's X-Request-ID is echoed.
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/v2/health/live", 11};
  req.set(bhttp::field::host, "x");
  req.set("X-Request-ID", "client-7");
  bhttp::write(client.socket(), req);
  res = client.Read();
  EXPECT_EQ(res["X-Request-ID"], "client-7");
  EXPECT_TRUE(res.keep_alive());
  // HTTP/1.0 gets an HTTP/1.0 answer that closes the connection.
  Client old(server_->port());
  net::write(old.socket(), net::buffer(std::string("GET /v2/health/live HTTP/1.0\r\n\r\n")));
  res = old.Read();
  EXPECT_EQ(res.version(), 10);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_EQ(res.body(), R"({"live":true})");
}

// Bodies of 64 KiB and more are read straight into the request (not through Beast's body parser):
// whole, in order with pipelined requests behind them, and a body cut short only ends its connection.
TEST_F(HttpServerTest, LargeBodiesAreReadWholeAndInOrder) {
  StartServer();
  const std::string big = std::string(kEchoBody) + std::string(300000, ' ');  // trailing JSON whitespace
  const std::string post = "POST /v2/models/echo/infer HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                           std::to_string(big.size()) + "\r\n\r\n" + big;
  {
    Client client(server_->port());
    const std::string live = "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n";
    net::write(client.socket(), net::buffer(post + post + live));
    for (int i = 0; i < 2; ++i) {
      auto res = client.Read();
      EXPECT_EQ(res.result_int(), 200) << res.body();
      EXPECT_NE(res.body().find("\"OUTPUT0\""), std::string::npos);
    }
    EXPECT_EQ(client.Read().body(), R"({"live":true})");
  }
  {
    Client client(server_->port());
    net::write(client.socket(), net::buffer(post.substr(0, post.size() / 2)));
    client.socket().shutdown(tcp::socket::shutdown_send);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    beast::error_code ec;
    bhttp::read(client.socket(), buffer, res, ec);
    EXPECT_TRUE(ec) << "a request cut short got an answer: " << res.result_int();
  }
  Client after(server_->port());
  EXPECT_EQ(after.Send(bhttp::verb::post, "/v2/models/echo/infer", big).result_int(), 200);
}

// A connection alone on its network thread may run a slow-but-not-too-slow model right there
// (InferenceRequest::allow_direct); once another connection shares the thread it may not.
TEST_F(HttpServerTest, AloneConnectionMayRunModelsOnItsThread) {
  core_.sleep_ms = 2;  // "sleepy" takes ~2 ms: above the 200 us inline bound, below the alone bound
  StartServer();       // two network threads; connections go to them in turn: a, b, c -> 0, 1, 0
  Client a(server_->port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(a.Send(bhttp::verb::post, "/v2/models/sleepy/infer", kEchoBody).result_int(), 200);
  }
  EXPECT_EQ(core_.direct_requests.load(), 2);  // the first one taught the server how slow it is
  Client b(server_->port());
  Client c(server_->port());
  ASSERT_EQ(b.Send(bhttp::verb::get, "/v2/health/live").result_int(), 200);
  ASSERT_EQ(c.Send(bhttp::verb::get, "/v2/health/live").result_int(), 200);  // now shares a's thread
  ASSERT_EQ(a.Send(bhttp::verb::post, "/v2/models/sleepy/infer", kEchoBody).result_int(), 200);
  EXPECT_EQ(core_.direct_requests.load(), 2);
  ASSERT_EQ(b.Send(bhttp::verb::post, "/v2/models/sleepy/infer", kEchoBody).result_int(), 200);
  EXPECT_EQ(core_.direct_requests.load(), 3);  // b is alone on the other thread
}

TEST_F(HttpServerTest, BodyTooLargeIs413) {
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  StartServer(options);
  Client client(server_->port());
  auto res = client.Send(bhttp::verb::post, "/v2/models/echo/infer", std::string(5000, ' '));
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_NE(res.body().find("larger than the limit of 1000 bytes"), std::string::npos);
  EXPECT_FALSE(res.keep_alive());
  Client large(server_->port());  // past the size read without Beast's body parser, too
  res = large.Send(bhttp::verb::post, "/v2/models/echo/infer", std::string(200000, ' '));
  EXPECT_EQ(res.result_int(), 413);
}

TEST_F(HttpServerTest, ExpectContinueAndMalformedRequests) {
  StartServer();
  {
    Client client(server_->port());
    const std::string body = kEchoBody;
    const std::string head =
        "POST /v2/models/echo/infer HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n";
    net::write(client.socket(), net::buffer(head));
    auto interim = client.Read();  // "100 Continue" (beast reads it as a complete response)
    EXPECT_EQ(interim.result_int(), 100);
    net::write(client.socket(), net::buffer(body));
    EXPECT_EQ(client.Read().result_int(), 200);
  }
  {
    Client client(server_->port());
    net::write(client.socket(), net::buffer(std::string("NOT AN HTTP REQUEST\r\n\r\n")));
    auto res = client.Read();
    EXPECT_EQ(res.result_int(), 400);
    EXPECT_NE(res.body().find("malformed HTTP request"), std::string::npos);
  }
}

TEST_F(HttpServerTest, ConcurrentClients) {
  StartServer();
  core_.sleep_ms = 1;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      Client client(server_->port());
      for (int i = 0; i < 25; ++i) {
        auto res = client.Send(bhttp::verb::post,
                               i % 2 ? "/v2/models/sleepy/infer" : "/v2/models/echo/infer",
                               std::string(kEchoBody));
        if (res.result_int() == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 200);
  // The HTTP counter is bumped after a response is written, which can be just after the client has
  // read it: give the last one a moment.
  const std::string expected = "berth_http_requests_total{code=\"200\",method=\"POST\"} 200";
  std::string metrics;
  for (int i = 0; i < 200 && metrics.find(expected) == std::string::npos; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    metrics = core_.metrics().Serialize();
  }
  EXPECT_NE(metrics.find(expected), std::string::npos) << metrics;
}

TEST_F(HttpServerTest, ShutdownFinishesInflightRequestsAndRefusesNewConnections) {
  StartServer();
  core_.sleep_ms = 500;
  const uint16_t port = server_->port();
  Client idle(port);  // an idle keep-alive connection: closed on StopAccepting
  EXPECT_EQ(idle.Send(bhttp::verb::get, "/v2/health/live").result_int(), 200);
  std::vector<std::future<int>> inflight;
  for (int i = 0; i < 3; ++i) {
    inflight.push_back(std::async(std::launch::async, [port] {
      Client client(port);
      return static_cast<int>(
          client.Send(bhttp::verb::post, "/v2/models/sleepy/infer", kEchoBody).result_int());
    }));
  }
  // Wait until the three are inside the core.
  for (int i = 0; i < 200 && core_.InflightRequests() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(core_.InflightRequests(), 3);
  server_->StopAccepting();
  EXPECT_EQ(core_.Drain(std::chrono::seconds(5)), 0);
  EXPECT_EQ(server_->WaitIdle(std::chrono::seconds(5)), 0);
  for (auto& f : inflight) EXPECT_EQ(f.get(), 200);
  // The idle connection was closed by the server.
  beast::error_code ec;
  char byte;
  idle.socket().read_some(net::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec);
  // New connections are refused.
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  EXPECT_TRUE(ec);
  server_->Stop();
}

TEST_F(HttpServerTest, PortInUseIsAnError) {
  StartServer();
  HttpServerOptions options;
  options.address = "127.0.0.1";
  options.port = server_->port();
  // SO_REUSEADDR does not allow two listeners on one port.
  auto second = HttpServer::Start(core_, options);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("cannot listen on 127.0.0.1:"), std::string::npos);
  options.address = "not-an-address";
  options.port = 0;
  EXPECT_EQ(HttpServer::Start(core_, options).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::http
