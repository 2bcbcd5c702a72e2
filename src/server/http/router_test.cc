// Router and response rendering against a fake core: every route, the binary extension in both
// directions, and the error statuses and messages.
#include "server/http/router.h"

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "server/http/infer_response_writer.h"
#include "server/http/testing/fake_inference_server.h"

namespace berth::http {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

class RouterTest : public ::testing::Test {
 protected:
  Response Call(bhttp::verb method, const std::string& target, const std::string& body = "",
                std::optional<size_t> header_length = std::nullopt) {
    Request req{method, target, 11};
    req.body() = body;
    if (header_length) req.set("Inference-Header-Content-Length", std::to_string(*header_length));
    req.prepare_payload();
    RequestInfo info;
    return router_.Handle(req, &info);
  }
  json Json(const Response& res) { return json::parse(res.body()); }

  berth::testing::FakeInferenceServer server_;
  AsyncJobStore jobs_{server_, {/*max_jobs=*/3, std::chrono::minutes(1)}};
  Router router_{server_, InferParseOptions{}, &jobs_};
};

TEST_F(RouterTest, ServerMetadataAndHealth) {
  Response res = Call(bhttp::verb::get, "/v2");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(Json(res)["name"], "berth");
  EXPECT_EQ(Json(res)["extensions"][0], "binary_tensor_data");
  EXPECT_EQ(Call(bhttp::verb::get, "/v2/").result_int(), 200);
  EXPECT_EQ(Json(Call(bhttp::verb::get, "/v2/health/live"))["live"], true);
  EXPECT_EQ(Call(bhttp::verb::get, "/v2/health/ready").result_int(), 200);
  server_.ready = false;
  res = Call(bhttp::verb::get, "/v2/health/ready");
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(Json(res)["ready"], false);
}

TEST_F(RouterTest, ModelMetadataReadyConfig) {
  Response res = Call(bhttp::verb::get, "/v2/models/echo");
  ASSERT_EQ(res.result_int(), 200);
  json m = Json(res);
  EXPECT_EQ(m["name"], "echo");
  EXPECT_EQ(m["versions"], json::array({"1"}));
  EXPECT_EQ(m["inputs"][0]["shape"], json::array({-1, 4}));
  EXPECT_EQ(Call(bhttp::verb::get, "/v2/models/echo/versions/1").result_int(), 200);
  EXPECT_EQ(Call(bhttp::verb::get, "/v2/models/echo/versions/2").result_int(), 404);
  EXPECT_EQ(Call(bhttp::verb::get, "/v2/models/echo/ready").result_int(), 200);
  EXPECT_EQ(Call(bhttp::verb::get, "/v2/models/echo/versions/1/ready").result_int(), 200);
  EXPECT_EQ(Call(bhttp::verb::get, "/v2/models/broken/ready").result_int(), 400);
  res = Call(bhttp::verb::get, "/v2/models/nope/ready");
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_EQ(Json(res)["error"], "unknown model 'nope'");
  EXPECT_EQ(Json(Call(bhttp::verb::get, "/v2/models/echo/config"))["name"], "echo");
  res = Call(bhttp::verb::get, "/v2/models/echo/versions/abc");
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_NE(Json(res)["error"].get<std::string>().find("version must be a non-negative integer"),
            std::string::npos);
  // Percent-encoded names are decoded.
  EXPECT_EQ(Call(bhttp::verb::get, "/v2/models/%65cho").result_int(), 200);
}

TEST_F(RouterTest, UnknownRoutesAndMethods) {
  EXPECT_EQ(Call(bhttp::verb::get, "/").result_int(), 404);
  EXPECT_EQ(Call(bhttp::verb::get, "/v1/models").result_int(), 404);
  EXPECT_EQ(Call(bhttp::verb::get, "/v2/models/echo/explain").result_int(), 404);
  EXPECT_EQ(Call(bhttp::verb::get, "/v2/nothing").result_int(), 404);
  Response res = Call(bhttp::verb::get, "/v2/models/echo/infer");
  EXPECT_EQ(res.result_int(), 405);
  EXPECT_EQ(res[bhttp::field::allow], "POST");
  EXPECT_EQ(Call(bhttp::verb::post, "/v2/health/live").result_int(), 405);
  EXPECT_EQ(Call(bhttp::verb::delete_, "/v2").result_int(), 405);
  EXPECT_EQ(Call(bhttp::verb::get, "/v2/models/%zz").result_int(), 400);
  // HEAD answers like GET without the body (load balancers probe health this way).
  res = Call(bhttp::verb::head, "/v2/health/live");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "");
  EXPECT_EQ(res[bhttp::field::content_length], "13");
}

TEST_F(RouterTest, InferJson) {
  Response res =
      Call(bhttp::verb::post, "/v2/models/echo/infer",
           R"({"id": "abc", "inputs": [{"name": "INPUT0", "shape": [2, 2], "datatype": "FP32",
                          "data": [[1, 2], [3, 4.5]]}, {"name": "INPUT1", "shape": [1], "datatype": "BYTES",
                          "data": ["hi"]}]})");
  ASSERT_EQ(res.result_int(), 200) << res.body();
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  json r = Json(res);
  EXPECT_EQ(r["model_name"], "echo");
  EXPECT_EQ(r["model_version"], "1");
  EXPECT_EQ(r["id"], "abc");
  ASSERT_EQ(r["outputs"].size(), 2u);
  EXPECT_EQ(r["outputs"][0]["name"], "OUTPUT0");
  EXPECT_EQ(r["outputs"][0]["datatype"], "FP32");
  EXPECT_EQ(r["outputs"][0]["shape"], json::array({2, 2}));
  EXPECT_EQ(r["outputs"][0]["data"], json::array({1, 2, 3, 4.5}));
  EXPECT_EQ(r["outputs"][1]["data"], json::array({"hi"}));
}

TEST_F(RouterTest, InferRequestedOutputsSubset) {
  Response res =
      Call(bhttp::verb::post, "/v2/models/echo/versions/1/infer",
           R"({"inputs": [{"name": "INPUT0", "shape": [1], "datatype": "INT32", "data": [1]},
                                     {"name": "INPUT1", "shape": [1], "datatype": "INT32", "data": [2]}],
                          "outputs": [{"name": "OUTPUT1"}]})");
  ASSERT_EQ(res.result_int(), 200) << res.body();
  json r = Json(res);
  ASSERT_EQ(r["outputs"].size(), 1u);
  EXPECT_EQ(r["outputs"][0]["name"], "OUTPUT1");
  EXPECT_EQ(r["outputs"][0]["data"], json::array({2}));
}

TEST_F(RouterTest, InferBinaryBothWays) {
  const std::string header =
      R"({"inputs": [{"name": "INPUT0", "shape": [3], "datatype": "FP16", "parameters": {"binary_data_size": 6}},
                     {"name": "INPUT1", "shape": [2], "datatype": "BYTES", "parameters": {"binary_data_size": 11}}],
          "outputs": [{"name": "OUTPUT0", "parameters": {"binary_data": true}}, {"name": "OUTPUT1", "parameters": {"binary_data": true}}]})";
  std::string body = header;
  for (float f : {1.0f, -2.5f, 0.5f}) {
    const uint16_t h = Float16::FromFloat(f);
    body.append(reinterpret_cast<const char*>(&h), 2);
  }
  body += std::string("\x01\x00\x00\x00z\x02\x00\x00\x00\xff\x00", 11);
  Response res = Call(bhttp::verb::post, "/v2/models/echo/infer", body, header.size());
  ASSERT_EQ(res.result_int(), 200) << res.body();
  ASSERT_TRUE(res.find("Inference-Header-Content-Length") != res.end());
  const size_t json_length = std::stoul(std::string(res["Inference-Header-Content-Length"]));
  json r = json::parse(res.body().substr(0, json_length));
  EXPECT_EQ(r["outputs"][0]["parameters"]["binary_data_size"], 6);
  EXPECT_EQ(r["outputs"][1]["parameters"]["binary_data_size"], 11);
  EXPECT_FALSE(r["outputs"][0].contains("data"));
  EXPECT_EQ(res.body().substr(json_length), body.substr(header.size()));
}

TEST_F(RouterTest, BinaryDataOutputDefault) {
  Response res = Call(bhttp::verb::post, "/v2/models/echo/infer",
                      R"({"parameters": {"binary_data_output": true},
                          "inputs": [{"name": "INPUT0", "shape": [2], "datatype": "BOOL", "data": [true, false]}]})");
  ASSERT_EQ(res.result_int(), 200) << res.body();
  const size_t json_length = std::stoul(std::string(res["Inference-Header-Content-Length"]));
  EXPECT_EQ(res.body().substr(json_length), std::string("\x01\x00", 2));
}

TEST_F(RouterTest, InferErrors) {
  Response res = Call(bhttp::verb::post, "/v2/models/echo/infer", "{bad json");
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_NE(Json(res)["error"].get<std::string>().find("not valid JSON"), std::string::npos);
  res = Call(bhttp::verb::post, "/v2/models/nope/infer", R"({"inputs": []})");
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_EQ(Json(res)["error"], "unknown model 'nope'");
  res = Call(bhttp::verb::post, "/v2/models/echo/versions/7/infer", R"({"inputs": []})");
  EXPECT_EQ(res.result_int(), 404);
  res = Call(bhttp::verb::post, "/v2/models/broken/infer", R"({"inputs": []})");
  EXPECT_EQ(res.result_int(), 503);
  res = Call(bhttp::verb::post, "/v2/models/echo/infer",
             R"({"inputs": [{"name": "bogus", "shape": [1], "datatype": "FP32", "data": [1]}]})");
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(Json(res)["error"], "unknown input 'bogus' for model 'echo'");
  Request req{bhttp::verb::post, "/v2/models/echo/infer", 11};
  req.set(bhttp::field::content_encoding, "gzip");
  req.body() = "xx";
  RequestInfo info;
  res = router_.Handle(req, &info);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_NE(info.error.find("Content-Encoding 'gzip'"), std::string::npos);
  res = Call(bhttp::verb::post, "/v2/models/echo/infer", R"({"inputs": []})", 100);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_NE(Json(res)["error"].get<std::string>().find("Inference-Header-Content-Length is 100"),
            std::string::npos);
}

TEST_F(RouterTest, RepositoryExtension) {
  Response res = Call(bhttp::verb::post, "/v2/repository/index");
  ASSERT_EQ(res.result_int(), 200);
  json index = Json(res);
  ASSERT_EQ(index.size(), 3u);
  EXPECT_EQ(index[1]["name"], "echo");
  EXPECT_EQ(index[1]["state"], "READY");
  EXPECT_EQ(index[0]["reason"], "not loaded");
  EXPECT_EQ(Json(Call(bhttp::verb::post, "/v2/repository/index", R"({"ready": true})")).size(), 2u);
  EXPECT_EQ(Call(bhttp::verb::post, "/v2/repository/models/echo/unload").result_int(), 200);
  EXPECT_EQ(Call(bhttp::verb::get, "/v2/models/echo/ready").result_int(), 400);
  EXPECT_EQ(Call(bhttp::verb::post, "/v2/models/echo/infer", R"({"inputs": []})").result_int(),
            503);
  EXPECT_EQ(Call(bhttp::verb::post, "/v2/repository/models/echo/load", R"({"parameters": {}})")
                .result_int(),
            200);
  EXPECT_EQ(Call(bhttp::verb::get, "/v2/models/echo/ready").result_int(), 200);
  EXPECT_EQ(Call(bhttp::verb::post, "/v2/repository/models/nope/load").result_int(), 404);
  res = Call(bhttp::verb::post, "/v2/repository/models/echo/load",
             R"({"parameters": {"config": "{}"}})");
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_NE(Json(res)["error"].get<std::string>().find("'config' is not supported"),
            std::string::npos);
  EXPECT_EQ(Call(bhttp::verb::get, "/v2/repository/index").result_int(), 405);
}

TEST_F(RouterTest, Metrics) {
  server_.metrics().RecordHttpRequest("GET", 200);
  Response res = Call(bhttp::verb::get, "/metrics");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_NE(res.body().find("berth_http_requests_total{"), std::string::npos);
  EXPECT_NE(res.body().find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(res.body().find("process_cpu_seconds_total "), std::string::npos);
}

TEST(InferResponseWriter, NonFiniteAndEscapes) {
  InferenceResponse response;
  response.model_name = "m\"q";
  response.model_version = 3;
  response.outputs.push_back({"y", Tensor::FromVector<float>({3}, {NAN, INFINITY, 0.1f})});
  response.outputs.push_back({"s", Tensor::FromVector<std::string>({2}, {"a\nb", "\xff"})});
  auto rendered = RenderInferResponse(response, OutputEncoding{});
  ASSERT_TRUE(rendered.ok());
  EXPECT_EQ(
      rendered->body,
      R"({"model_name":"m\"q","model_version":"3","outputs":[{"name":"y","datatype":"FP32","shape":[3],)"
      R"("data":[NaN,Infinity,0.1]},{"name":"s","datatype":"BYTES","shape":[2],"data":["a\nb","�"]}]})");
  response.outputs = {{"c", Tensor(DataType::kComplex64, {1})}};
  EXPECT_EQ(RenderInferResponse(response, OutputEncoding{}).status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace berth::http

namespace berth::http {
namespace {

TEST_F(RouterTest, AsyncJobLifecycle) {
  const std::string body =
      R"({"id": "j1", "inputs": [{"name": "INPUT0", "shape": [1, 2], "datatype": "FP32", "data": [1, 2]}],
          "parameters": {"binary_data_output": true}})";
  Response submitted = Call(bhttp::verb::post, "/v2/models/echo/infer_async", body);
  ASSERT_EQ(submitted.result_int(), 202) << submitted.body();
  const std::string id = Json(submitted)["id"];
  EXPECT_EQ(Json(submitted)["status"], "PENDING");
  EXPECT_EQ(submitted[bhttp::field::location], "/v2/jobs/" + id);

  Response status = Call(bhttp::verb::get, "/v2/jobs/" + id);
  ASSERT_EQ(status.result_int(), 200);
  EXPECT_EQ(Json(status)["status"], "SUCCEEDED");  // the fake core answers at once
  EXPECT_EQ(Json(status)["model_name"], "echo");

  // The result is exactly what /infer answers for the same request (binary output kept).
  Response result = Call(bhttp::verb::get, "/v2/jobs/" + id + "/result?wait_ms=100");
  Response direct = Call(bhttp::verb::post, "/v2/models/echo/infer", body);
  ASSERT_EQ(result.result_int(), 200) << result.body();
  EXPECT_EQ(result.body(), direct.body());
  EXPECT_EQ(result["Inference-Header-Content-Length"], direct["Inference-Header-Content-Length"]);

  EXPECT_EQ(Json(Call(bhttp::verb::get, "/v2/jobs")).size(), 1u);
  EXPECT_EQ(Call(bhttp::verb::delete_, "/v2/jobs/" + id).result_int(), 200);
  Response gone = Call(bhttp::verb::get, "/v2/jobs/" + id + "/result");
  EXPECT_EQ(gone.result_int(), 404);
  EXPECT_NE(Json(gone)["error"].get<std::string>().find(id), std::string::npos);
}

TEST_F(RouterTest, AsyncJobErrors) {
  const std::string body =
      R"({"inputs": [{"name": "INPUT0", "shape": [1], "datatype": "FP32", "data": [1]}]})";
  EXPECT_EQ(Call(bhttp::verb::post, "/v2/models/nope/infer_async", body).result_int(), 404);
  EXPECT_EQ(Call(bhttp::verb::post, "/v2/models/echo/infer_async", "{bad").result_int(), 400);
  EXPECT_EQ(Call(bhttp::verb::get, "/v2/models/echo/infer_async").result_int(), 405);
  EXPECT_EQ(Call(bhttp::verb::get, "/v2/jobs/0123/result?wait_ms=x").result_int(), 400);

  // A job whose inference fails reports the failure, and its result carries the inference's status.
  Response failed = Call(bhttp::verb::post, "/v2/models/echo/infer_async",
                         R"({"inputs": [{"name": "X", "shape": [1], "datatype": "FP32", "data": [1]}]})");
  ASSERT_EQ(failed.result_int(), 202);
  const std::string id = Json(failed)["id"];
  EXPECT_EQ(Json(Call(bhttp::verb::get, "/v2/jobs/" + id))["status"], "FAILED");
  Response result = Call(bhttp::verb::get, "/v2/jobs/" + id + "/result");
  EXPECT_EQ(result.result_int(), 400);
  EXPECT_NE(Json(result)["error"].get<std::string>().find("'X'"), std::string::npos);

  // The store holds 3 jobs: the 4th is refused with 429 and Retry-After.
  ASSERT_EQ(Call(bhttp::verb::post, "/v2/models/echo/infer_async", body).result_int(), 202);
  ASSERT_EQ(Call(bhttp::verb::post, "/v2/models/echo/infer_async", body).result_int(), 202);
  Response full = Call(bhttp::verb::post, "/v2/models/echo/infer_async", body);
  EXPECT_EQ(full.result_int(), 429);
  EXPECT_EQ(full[bhttp::field::retry_after], "1");
  EXPECT_NE(Json(full)["error"].get<std::string>().find("--async-max-jobs"), std::string::npos);
}

}  // namespace
}  // namespace berth::http
