#include "server/grpc/grpc_convert.h"

#include <gtest/gtest.h>

#include <cstring>

namespace berth::grpc_frontend {
namespace {

using inference::ModelInferRequest;

std::string Le32(uint32_t n) {
  return std::string{static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                     static_cast<char>((n >> 16) & 0xff), static_cast<char>(n >> 24)};
}

template <typename T>
std::string RawOf(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

ModelInferRequest Request(const std::string& model = "m") {
  ModelInferRequest r;
  r.set_model_name(model);
  return r;
}

auto* AddInput(ModelInferRequest& r, const std::string& name, const std::string& datatype,
               std::vector<int64_t> shape) {
  auto* input = r.add_inputs();
  input->set_name(name);
  input->set_datatype(datatype);
  for (int64_t d : shape) input->add_shape(d);
  return input;
}

std::string ErrorOf(const ModelInferRequest& r, int64_t max_elements = int64_t{1} << 28) {
  StatusOr<InferenceRequest> parsed = ToInferenceRequest(r, {max_elements});
  EXPECT_FALSE(parsed.ok());
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  return parsed.status().message();
}

TEST(GrpcConvertTest, TypedContentsOfEachField) {
  ModelInferRequest r = Request();
  r.set_id("abc");
  r.set_model_version("3");
  AddInput(r, "f", "FP32", {2})->mutable_contents()->add_fp32_contents(1.5f);
  r.mutable_inputs(0)->mutable_contents()->add_fp32_contents(-2.f);
  AddInput(r, "i8", "INT8", {1})->mutable_contents()->add_int_contents(-7);
  AddInput(r, "u16", "UINT16", {1})->mutable_contents()->add_uint_contents(65535);
  AddInput(r, "l", "INT64", {1})->mutable_contents()->add_int64_contents(int64_t{1} << 40);
  AddInput(r, "s", "BYTES", {1})->mutable_contents()->add_bytes_contents(std::string("a\0b", 3));
  AddInput(r, "b", "BOOL", {1})->mutable_contents()->add_bool_contents(true);
  (*r.mutable_parameters())["priority"].set_uint64_param(2);
  (*r.mutable_parameters())["timeout"].set_int64_param(5000);
  r.add_outputs()->set_name("y");

  StatusOr<InferenceRequest> parsed = ToInferenceRequest(r, {});
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->model_name, "m");
  EXPECT_EQ(parsed->model_version, 3);
  EXPECT_EQ(parsed->id, "abc");
  EXPECT_EQ(parsed->priority, 2);
  EXPECT_EQ(parsed->timeout_us, 5000);
  EXPECT_EQ(parsed->requested_outputs, std::vector<std::string>{"y"});
  ASSERT_EQ(parsed->inputs.size(), 6u);
  EXPECT_TRUE(parsed->inputs[0].tensor.IdenticalTo(Tensor::FromVector<float>({2}, {1.5f, -2.f})));
  EXPECT_EQ(parsed->inputs[1].tensor.data<int8_t>()[0], -7);
  EXPECT_EQ(parsed->inputs[2].tensor.data<uint16_t>()[0], 65535);
  EXPECT_EQ(parsed->inputs[3].tensor.data<int64_t>()[0], int64_t{1} << 40);
  EXPECT_EQ(parsed->inputs[4].tensor.data<std::string>()[0], std::string("a\0b", 3));
  EXPECT_TRUE(parsed->inputs[5].tensor.data<bool>()[0]);
}

TEST(GrpcConvertTest, RawContentsIncludingBytesAndHalf) {
  ModelInferRequest r = Request();
  AddInput(r, "x", "INT64", {2, 1});
  AddInput(r, "s", "BYTES", {2});
  AddInput(r, "h", "FP16", {1});
  r.add_raw_input_contents(RawOf<int64_t>({-1, 9}));
  r.add_raw_input_contents(Le32(2) + "hi" + Le32(0));
  r.add_raw_input_contents(RawOf<uint16_t>({0x3c00}));  // 1.0 in half precision
  StatusOr<InferenceRequest> parsed = ToInferenceRequest(r, {});
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->model_version, kLatestVersion);
  EXPECT_TRUE(parsed->inputs[0].tensor.IdenticalTo(Tensor::FromVector<int64_t>({2, 1}, {-1, 9})));
  EXPECT_EQ(parsed->inputs[1].tensor.data<std::string>()[0], "hi");
  EXPECT_EQ(parsed->inputs[1].tensor.data<std::string>()[1], "");
  EXPECT_EQ(static_cast<float>(parsed->inputs[2].tensor.data<Float16>()[0]), 1.0f);
}

TEST(GrpcConvertTest, ErrorsNameTheTensorOrField) {
  {
    ModelInferRequest r = Request();
    AddInput(r, "x", "FP32", {1, 4});
    r.add_raw_input_contents(std::string(15, '\0'));
    EXPECT_EQ(ErrorOf(r),
              "input 'x': raw_input_contents has 15 bytes but shape [1,4] of FP32 needs 16 bytes");
  }
  {
    ModelInferRequest r = Request();
    AddInput(r, "x", "FP32", {2})->mutable_contents()->add_int64_contents(1);
    r.mutable_inputs(0)->mutable_contents()->add_int64_contents(2);
    EXPECT_EQ(ErrorOf(r),
              "input 'x': 'fp32_contents' has 0 elements but shape [2] needs 2 (FP32 data goes in "
              "fp32_contents, got int64_contents)");
  }
  {
    ModelInferRequest r = Request();
    AddInput(r, "x", "FP16", {1});
    EXPECT_EQ(ErrorOf(r),
              "input 'x': FP16 has no typed contents field; send it in raw_input_contents");
  }
  {
    ModelInferRequest r = Request();
    AddInput(r, "x", "FP32", {1});
    AddInput(r, "y", "FP32", {1});
    r.add_raw_input_contents(RawOf<float>({1}));
    EXPECT_NE(ErrorOf(r).find("raw_input_contents has 1 entries but there are 2 inputs"),
              std::string::npos);
  }
  {
    ModelInferRequest r = Request();
    AddInput(r, "s", "BYTES", {2});
    r.add_raw_input_contents(Le32(9) + "abc" + Le32(0));
    EXPECT_EQ(ErrorOf(r), "input 's': raw BYTES element 0 has length 9 but only 7 bytes remain");
  }
  {
    ModelInferRequest r = Request();
    AddInput(r, "x", "INT8", {1})->mutable_contents()->add_int_contents(300);
    EXPECT_EQ(ErrorOf(r), "input 'x': element 0 (300) is not a valid INT8 value");
  }
  {
    ModelInferRequest r = Request();
    AddInput(r, "x", "float", {1});
    EXPECT_NE(ErrorOf(r).find("input 'x': unknown datatype 'float'"), std::string::npos);
  }
  {
    ModelInferRequest r = Request();
    AddInput(r, "x", "FP32", {1 << 20, 1 << 20});
    EXPECT_EQ(ErrorOf(r, 1000),
              "input 'x': shape [1048576,1048576] has more than the limit of 1000 elements");
  }
  {
    ModelInferRequest r = Request();
    AddInput(r, "x", "FP32", {-1});
    EXPECT_EQ(ErrorOf(r), "input 'x': 'shape' must hold non-negative integers, got [-1]");
  }
  {
    ModelInferRequest r = Request();
    r.set_model_version("v2");
    EXPECT_EQ(ErrorOf(r), "model 'm': version must be a non-negative integer, got 'v2'");
  }
  {
    ModelInferRequest r = Request();
    (*r.mutable_parameters())["timeout"].set_string_param("soon");
    EXPECT_EQ(ErrorOf(r),
              "request parameter 'timeout' must be an integer (int64_param or uint64_param)");
  }
  {
    ModelInferRequest r = Request();
    r.add_outputs()->set_name("y");
    r.add_outputs()->set_name("y");
    EXPECT_EQ(ErrorOf(r), "output 'y' is requested twice");
  }
  EXPECT_EQ(ErrorOf(Request("")), "'model_name' is missing");
}

TEST(GrpcConvertTest, ResponseIsRawWithLengthPrefixedBytes) {
  InferenceResponse response;
  response.model_name = "m";
  response.model_version = 2;
  response.id = "r1";
  response.outputs.push_back({"f", Tensor::FromVector<float>({1, 2}, {1.f, 2.f})});
  Tensor s(DataType::kString, {2});
  s.data<std::string>()[0] = "ab";
  s.data<std::string>()[1] = "";
  response.outputs.push_back({"s", s});
  response.outputs.push_back({"b", Tensor::FromVector<bool>({2}, {true, false})});

  inference::ModelInferResponse out;
  ASSERT_TRUE(ToModelInferResponse(response, &out).ok());
  EXPECT_EQ(out.model_name(), "m");
  EXPECT_EQ(out.model_version(), "2");
  EXPECT_EQ(out.id(), "r1");
  ASSERT_EQ(out.outputs_size(), 3);
  ASSERT_EQ(out.raw_output_contents_size(), 3);
  EXPECT_EQ(out.outputs(0).datatype(), "FP32");
  EXPECT_EQ(std::vector<int64_t>(out.outputs(0).shape().begin(), out.outputs(0).shape().end()),
            (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(out.raw_output_contents(0), RawOf<float>({1.f, 2.f}));
  EXPECT_EQ(out.outputs(1).datatype(), "BYTES");
  EXPECT_EQ(out.raw_output_contents(1), Le32(2) + "ab" + Le32(0));
  EXPECT_EQ(out.raw_output_contents(2), std::string("\x01\x00", 2));
}

TEST(GrpcConvertTest, StatusCodesAreGrpcCodes) {
  EXPECT_EQ(ToGrpcStatus(NotFound("x")).error_code(), ::grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ToGrpcStatus(InvalidArgument("x")).error_code(), ::grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ToGrpcStatus(Unavailable("x")).error_code(), ::grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ToGrpcStatus(ResourceExhausted("x")).error_code(),
            ::grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ToGrpcStatus(DeadlineExceeded("x")).error_code(),
            ::grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(ToGrpcStatus(Internal("boom")).error_message(), "boom");
  EXPECT_TRUE(ToGrpcStatus(Status::Ok()).ok());
}

}  // namespace
}  // namespace berth::grpc_frontend
