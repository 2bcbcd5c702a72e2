// libFuzzer target: arbitrary bytes through the request path of the HTTP front end, without
// sockets. Bytes -> Beast's HTTP/1.1 parser -> Router (routing, percent-decoding, JSON, binary
// tensor data, InferenceRequest conversion, response rendering) against a fake core. It must never
// crash, hang or leak; every bad request has to come back as an error response.
//
// The first byte picks the path: odd = a whole HTTP request; even = an inference body straight into
// ParseInferRequest, with the next two bytes as Inference-Header-Content-Length (so the binary
// tensor data extension is reached without the fuzzer having to discover HTTP first). Seeds:
// tools/fuzz.sh or any saved requests; `-dict=fuzz/http_request.dict` helps it find the keys.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/http/infer_request_parser.h"
#include "server/http/infer_response_writer.h"
#include "server/http/router.h"
#include "server/http/testing/fake_inference_server.h"

namespace {

namespace bhttp = boost::beast::http;

berth::http::InferParseOptions Options() {
  berth::http::InferParseOptions options;
  options.max_tensor_elements = 1 << 16;  // keeps allocations small enough for ASan
  return options;
}

void FuzzHttp(std::string_view bytes) {
  static auto* server = [] {
    auto* s = new berth::testing::FakeInferenceServer();
    s->sleep_ms = 0;
    return s;
  }();
  static auto* jobs = new berth::AsyncJobStore(*server, {/*max_jobs=*/64, std::chrono::seconds(1)});
  static const berth::http::Router router(*server, Options(), jobs);

  bhttp::request_parser<bhttp::string_body> parser;
  parser.eager(true);
  parser.header_limit(64 * 1024);
  parser.body_limit(1 << 20);
  boost::beast::error_code ec;
  while (!bytes.empty() && !parser.is_done()) {
    const size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec || used == 0) break;
    bytes.remove_prefix(used);
  }
  if (!ec && parser.got_some() && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return;
  berth::http::Request request = parser.release();
  berth::http::RequestInfo info;
  berth::http::Response response = router.Handle(request, &info);
  (void)response;
}

void FuzzInferBody(std::string_view bytes) {
  std::optional<size_t> json_length;
  if (bytes.size() >= 2) {
    const size_t length =
        static_cast<unsigned char>(bytes[0]) | (static_cast<unsigned char>(bytes[1]) << 8);
    bytes.remove_prefix(2);
    if (length != 0xFFFF) json_length = std::min(length, bytes.size());
  }
  auto parsed =
      berth::http::ParseInferRequest(bytes, json_length, "echo", berth::kLatestVersion, Options());
  if (!parsed.ok()) return;
  // Render the inputs back as if they were outputs: exercises the writer on every datatype.
  berth::InferenceResponse response;
  response.model_name = "echo";
  response.model_version = 1;
  response.id = parsed->request.id;
  response.outputs = parsed->request.inputs;
  auto rendered = berth::http::RenderInferResponse(response, parsed->encoding);
  (void)rendered;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    FuzzHttp(bytes);
  } else {
    FuzzInferBody(bytes);
  }
  return 0;
}
