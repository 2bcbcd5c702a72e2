// KServe v2 request parsing: JSON and binary tensor data, every datatype, and the error messages.
#include "server/http/infer_request_parser.h"

#include <gtest/gtest.h>

#include <cstring>

namespace berth::http {
namespace {

StatusOr<ParsedInferRequest> Parse(const std::string& body,
                                   std::optional<size_t> json_length = std::nullopt,
                                   int64_t max_elements = int64_t{1} << 28) {
  InferParseOptions options;
  options.max_tensor_elements = max_elements;
  return ParseInferRequest(body, json_length, "m", kLatestVersion, options);
}

std::string ErrorOf(const std::string& body, std::optional<size_t> json_length = std::nullopt) {
  auto parsed = Parse(body, json_length);
  EXPECT_FALSE(parsed.ok()) << body;
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  return parsed.status().message();
}

TEST(InferRequestParser, FlatAndNestedFp32) {
  for (const char* data : {"[1, 2.5, -3, 4, 5, 6]", "[[1, 2.5, -3], [4, 5, 6]]"}) {
    auto parsed = Parse(
        std::string(
            R"({"id": "r1", "inputs": [{"name": "x", "shape": [2, 3], "datatype": "FP32", "data": )") +
        data + "}]}");
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    const InferenceRequest& r = parsed->request;
    EXPECT_EQ(r.model_name, "m");
    EXPECT_EQ(r.id, "r1");
    ASSERT_EQ(r.inputs.size(), 1u);
    EXPECT_EQ(r.inputs[0].name, "x");
    const Tensor& t = r.inputs[0].tensor;
    EXPECT_EQ(t.dtype(), DataType::kFloat32);
    EXPECT_EQ(t.shape(), (Shape{2, 3}));
    EXPECT_FLOAT_EQ(t.data<float>()[1], 2.5f);
    EXPECT_FLOAT_EQ(t.data<float>()[2], -3.0f);
    EXPECT_FLOAT_EQ(t.data<float>()[5], 6.0f);
  }
}

TEST(InferRequestParser, EveryDatatypeFromJson) {
  struct Case {
    const char* datatype;
    const char* data;
    DataType dtype;
  };
  const Case cases[] = {
      {"BOOL", "[true, false]", DataType::kBool},
      {"UINT8", "[0, 255]", DataType::kUint8},
      {"UINT16", "[0, 65535]", DataType::kUint16},
      {"UINT32", "[0, 4294967295]", DataType::kUint32},
      {"UINT64", "[0, 18446744073709551615]", DataType::kUint64},
      {"INT8", "[-128, 127]", DataType::kInt8},
      {"INT16", "[-32768, 32767]", DataType::kInt16},
      {"INT32", "[-2147483648, 2147483647]", DataType::kInt32},
      {"INT64", "[-9223372036854775808, 9223372036854775807]", DataType::kInt64},
      {"FP16", "[1.5, -2]", DataType::kFloat16},
      {"BF16", "[1.5, -2]", DataType::kBFloat16},
      {"FP32", "[1.5, -2]", DataType::kFloat32},
      {"FP64", "[1.5, -2]", DataType::kFloat64},
      {"BYTES", R"(["hello", "wörld"])", DataType::kString},
  };
  for (const Case& c : cases) {
    auto parsed = Parse(std::string(R"({"inputs": [{"name": "x", "shape": [2], "datatype": ")") +
                        c.datatype + R"(", "data": )" + c.data + "}]}");
    ASSERT_TRUE(parsed.ok()) << c.datatype << ": " << parsed.status().ToString();
    const Tensor& t = parsed->request.inputs[0].tensor;
    EXPECT_EQ(t.dtype(), c.dtype) << c.datatype;
  }
  auto fp16 =
      Parse(R"({"inputs": [{"name": "x", "shape": [2], "datatype": "FP16", "data": [1.5, -2]}]})");
  EXPECT_FLOAT_EQ(static_cast<float>(fp16->request.inputs[0].tensor.data<Float16>()[0]), 1.5f);
  auto u64 = Parse(
      R"({"inputs": [{"name": "x", "shape": [1], "datatype": "UINT64", "data": [18446744073709551615]}]})");
  EXPECT_EQ(u64->request.inputs[0].tensor.data<uint64_t>()[0], UINT64_MAX);
  auto bytes = Parse(
      R"({"inputs": [{"name": "x", "shape": [1, 2], "datatype": "BYTES", "data": [["a", "b\u0000c"]]}]})");
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->request.inputs[0].tensor.data<std::string>()[1], std::string("b\0c", 3));
}

TEST(InferRequestParser, ParametersAndOutputs) {
  auto parsed =
      Parse(R"({"parameters": {"binary_data_output": true, "priority": 2, "timeout": 5000},
      "inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": [7]}],
      "outputs": [{"name": "a", "parameters": {"binary_data": false}}, {"name": "b"}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->request.priority, 2);
  EXPECT_EQ(parsed->request.timeout_us, 5000);
  EXPECT_EQ(parsed->request.requested_outputs, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(parsed->encoding.IsBinary("a"));
  EXPECT_TRUE(parsed->encoding.IsBinary("b"));
  EXPECT_TRUE(parsed->encoding.IsBinary("c"));
}

TEST(InferRequestParser, BinaryInputs) {
  const std::string json =
      R"({"inputs": [{"name": "f", "shape": [2], "datatype": "FP32", "parameters": {"binary_data_size": 8}},
                     {"name": "j", "shape": [1], "datatype": "INT32", "data": [3]},
                     {"name": "s", "shape": [2], "datatype": "BYTES", "parameters": {"binary_data_size": 13}},
                     {"name": "b", "shape": [2], "datatype": "BOOL", "parameters": {"binary_data_size": 2}}]})";
  std::string body = json;
  const float floats[2] = {1.25f, -7.0f};
  body.append(reinterpret_cast<const char*>(floats), 8);
  body += std::string(
      "\x02\x00\x00\x00hi\x03\x00\x00\x00"
      "abc",
      13);
  body += std::string("\x01\x00", 2);
  auto parsed = Parse(body, json.size());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const auto& in = parsed->request.inputs;
  ASSERT_EQ(in.size(), 4u);
  EXPECT_FLOAT_EQ(in[0].tensor.data<float>()[1], -7.0f);
  EXPECT_EQ(in[1].tensor.data<int32_t>()[0], 3);
  EXPECT_EQ(in[2].tensor.data<std::string>()[0], "hi");
  EXPECT_EQ(in[2].tensor.data<std::string>()[1], "abc");
  EXPECT_TRUE(in[3].tensor.data<bool>()[0]);
  EXPECT_FALSE(in[3].tensor.data<bool>()[1]);
  EXPECT_EQ(parsed->binary_bytes, 23);
}

TEST(InferRequestParser, ErrorsNameTheField) {
  EXPECT_NE(ErrorOf("{not json").find("not valid JSON"), std::string::npos);
  EXPECT_NE(ErrorOf("[1]").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(ErrorOf("{}").find("'inputs' is missing"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"inputs": {}})").find("'inputs' must be an array"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"inputs": [{"shape": [1], "datatype": "FP32", "data": [1]}]})")
                .find("inputs[0]: 'name'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "FP33", "data": [1]}]})")
                .find("input 'x': unknown datatype 'FP33'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"inputs": [{"name": "x", "datatype": "FP32", "data": [1]}]})")
                .find("input 'x': 'shape' is missing"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(R"({"inputs": [{"name": "x", "shape": [-1], "datatype": "FP32", "data": [1]}]})")
          .find("input 'x': 'shape' must hold non-negative integers"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf(R"({"inputs": [{"name": "x", "shape": [2, 3], "datatype": "FP32", "data": [1, 2]}]})")
          .find("input 'x': 'data' has 2 elements but shape [2,3] needs 6"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf(R"({"inputs": [{"name": "x", "shape": [2], "datatype": "INT8", "data": [1, 300]}]})")
          .find("input 'x': element 1 (300) is not a valid INT8 value"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "UINT8", "data": [-1]}]})")
          .find("element 0 (-1) is not a valid UINT8"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "INT32", "data": [1.5]}]})")
          .find("not a valid INT32"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": ["a"]}]})")
          .find("element 0 (\"a\") is not a valid FP32"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "BYTES", "data": [1]}]})")
          .find("BYTES elements are strings"),
      std::string::npos);
  EXPECT_NE(ErrorOf(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "BOOL", "data": [1]}]})")
                .find("not a valid BOOL"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "FP32"}]})")
                .find("input 'x': has no 'data'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1]},
                                   {"name": "x", "shape": [1], "datatype": "FP32", "data": [1]}]})")
                .find("input 'x' is given twice"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"id": 5, "inputs": []})").find("'id' must be a string"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"parameters": {"binary_data_output": 1}, "inputs": []})")
                .find("binary_data_output"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(R"({"inputs": [], "outputs": [{"name": "y", "parameters": {"classification": 3}}]})")
          .find("output 'y': parameter 'classification' is not supported"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf(
          R"({"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "parameters": {"binary_data_size": 4}}]})")
          .find("no Inference-Header-Content-Length"),
      std::string::npos);
}

TEST(InferRequestParser, BinaryErrors) {
  const std::string json =
      R"({"inputs": [{"name": "x", "shape": [2], "datatype": "FP32", "parameters": {"binary_data_size": 8}}]})";
  EXPECT_NE(
      ErrorOf(json + "1234", json.size()).find("input 'x': binary_data_size is 8 but only 4 bytes"),
      std::string::npos);
  EXPECT_NE(ErrorOf(json + "123456789", json.size())
                .find("1 bytes of binary data follow the last binary input"),
            std::string::npos);
  const std::string wrong =
      R"({"inputs": [{"name": "x", "shape": [3], "datatype": "FP32", "parameters": {"binary_data_size": 8}}]})";
  EXPECT_NE(ErrorOf(wrong + "12345678", wrong.size())
                .find("input 'x': binary_data_size is 8 but shape [3] of FP32 needs 12"),
            std::string::npos);
  const std::string bytes =
      R"({"inputs": [{"name": "s", "shape": [1], "datatype": "BYTES", "parameters": {"binary_data_size": 6}}]})";
  EXPECT_NE(ErrorOf(bytes + std::string("\x09\x00\x00\x00hi", 6), bytes.size())
                .find("has length 9 but only 2"),
            std::string::npos);
  EXPECT_FALSE(ParseInferenceHeaderLength("abc", 10).ok());
  EXPECT_FALSE(ParseInferenceHeaderLength("11", 10).ok());
  EXPECT_EQ(*ParseInferenceHeaderLength(" 7 ", 10), 7u);
}

TEST(InferRequestParser, TensorLimitIsCheckedBeforeAllocating) {
  auto parsed = Parse(
      R"({"inputs": [{"name": "x", "shape": [100000, 100000, 100000], "datatype": "FP32", "data": [1]}]})",
      std::nullopt, 1 << 20);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("more than the limit of 1048576 elements"),
            std::string::npos);
  // Overflowing products are caught too.
  parsed = Parse(
      R"({"inputs": [{"name": "x", "shape": [4294967296, 4294967296, 16], "datatype": "FP32", "data": [1]}]})");
  ASSERT_FALSE(parsed.ok());
  // A huge shape with a tiny body fails on the element count, without allocating the tensor.
  parsed = Parse(
      R"({"inputs": [{"name": "x", "shape": [200000000], "datatype": "FP64", "data": [1]}]})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("'data' has 1 elements"), std::string::npos);
}

TEST(InferRequestParser, DeepNestingIsAnErrorNotACrash) {
  std::string deep(100000, '[');
  std::string body =
      R"({"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": )" + deep;
  auto parsed = Parse(body);  // malformed JSON anyway; must not overflow the stack
  EXPECT_FALSE(parsed.ok());
  std::string nested = std::string(100, '[') + "1" + std::string(100, ']');
  parsed = Parse(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": )" +
                 nested + "}]}");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("nested more than 64 levels"), std::string::npos);
}

}  // namespace
}  // namespace berth::http

namespace berth::http {
namespace {

TEST(InferRequestParser, RepeatedKeysTakeTheLastValue) {
  auto parsed = Parse(
      R"({"id": "first", "id": "second", "inputs": [{"name": "x", "shape": [1], "datatype": "FP32",
          "data": [1], "data": [2]}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->request.id, "second");
  EXPECT_FLOAT_EQ(parsed->request.inputs[0].tensor.data<float>()[0], 2.0f);
}

TEST(InferRequestParser, NumbersOfEveryJsonForm) {
  // Integers beyond 64 bits, exponents and negative zero are numbers like any other for floats.
  auto parsed = Parse(
      R"({"inputs": [{"name": "x", "shape": [5], "datatype": "FP64",
          "data": [123456789012345678901234567890, 1e-3, -0, 2E+2, -7.25]}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const double* d = parsed->request.inputs[0].tensor.data<double>();
  EXPECT_DOUBLE_EQ(d[0], 1.2345678901234568e29);
  EXPECT_DOUBLE_EQ(d[1], 0.001);
  EXPECT_DOUBLE_EQ(d[2], 0.0);
  EXPECT_DOUBLE_EQ(d[3], 200.0);
  EXPECT_DOUBLE_EQ(d[4], -7.25);
  // ... but not integers for integer types.
  EXPECT_NE(ErrorOf(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "INT64",
                        "data": [123456789012345678901234567890]}]})")
                .find("input 'x': element 0 (1.2345678901234568e+29) is not a valid INT64"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "INT64",
                        "data": [9223372036854775808]}]})")
                .find("element 0 (9223372036854775808) is not a valid INT64"),
            std::string::npos);
}

TEST(InferRequestParser, LargeBodiesAndManyInputs) {
  // Larger than the parser each thread keeps; parsed by one of its own.
  std::string data;
  for (int i = 0; i < 30000; ++i) data += (i ? "," : "") + std::to_string(i % 100) + ".5";
  auto parsed = Parse(R"({"inputs": [{"name": "x", "shape": [30000], "datatype": "FP32", "data": [)" +
                      data + "]}]}");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_FLOAT_EQ(parsed->request.inputs[0].tensor.data<float>()[29999], 99.5f);
  // A small request afterwards still parses (the kept parser is untouched).
  ASSERT_TRUE(Parse(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1]}]})").ok());
  // Duplicate names are found past the first few inputs too.
  std::string inputs;
  for (int i = 0; i < 40; ++i) {
    inputs += std::string(i ? "," : "") + R"({"name": "in)" + std::to_string(i) +
              R"(", "shape": [1], "datatype": "INT32", "data": [1]})";
  }
  ASSERT_TRUE(Parse(R"({"inputs": [)" + inputs + "]}").ok());
  EXPECT_NE(ErrorOf(R"({"inputs": [)" + inputs +
                    R"(, {"name": "in33", "shape": [1], "datatype": "INT32", "data": [1]}]})")
                .find("input 'in33' is given twice"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"inputs": [], "outputs": [{"name": "y"}, {"name": "y"}]})")
                .find("output 'y' is requested twice"),
            std::string::npos);
}

TEST(InferRequestParser, SyntaxErrorsSayWhere) {
  const std::string message = ErrorOf(R"({"inputs": [1, 2,]})");
  EXPECT_NE(message.find("request body is not valid JSON"), std::string::npos) << message;
  EXPECT_NE(message.find("column"), std::string::npos) << message;
  EXPECT_NE(ErrorOf(std::string("{\"id\": \"\xff\", \"inputs\": []}")).find("not valid JSON"),
            std::string::npos);
}

}  // namespace
}  // namespace berth::http
