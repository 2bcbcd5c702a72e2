// Session and ONNX import: loading, validation, planning, bad input, threads, external data.
#include "berth/session.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/onnx/tensor_proto.h"
#include "engine/testing/op_tester.h"

namespace berth {
namespace {

namespace fs = std::filesystem;
using testing::ExpectTensorNear;

// y = Relu(x + b) with x: float[N,3] (N symbolic), b an initializer.
onnx::ModelProto AddReluModel() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("add_relu");
  auto* x = g->add_input();
  x->set_name("x");
  auto* tt = x->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  tt->mutable_shape()->add_dim()->set_dim_param("N");
  tt->mutable_shape()->add_dim()->set_dim_value(3);
  TensorToProto(Tensor::FromVector<float>({3}, {1, -2, 3}), "b", g->add_initializer());
  auto* add = g->add_node();
  add->set_op_type("Add");
  add->set_name("add");
  add->add_input("x");
  add->add_input("b");
  add->add_output("sum");
  auto* relu = g->add_node();
  relu->set_op_type("Relu");
  relu->set_name("relu");
  relu->add_input("sum");
  relu->add_output("y");
  auto* y = g->add_output();
  y->set_name("y");
  y->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  return m;
}

StatusOr<std::unique_ptr<Session>> LoadProto(const onnx::ModelProto& m, const std::string& base_dir = "") {
  return Session::LoadFromBytes(m.SerializeAsString(), base_dir);
}

TEST(SessionTest, RunsAndReportsMetadata) {
  auto s = LoadProto(AddReluModel());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ((*s)->inputs().size(), 1u);
  EXPECT_EQ((*s)->inputs()[0].name, "x");
  EXPECT_EQ((*s)->inputs()[0].dims, (std::vector<int64_t>{-1, 3}));
  EXPECT_EQ((*s)->inputs()[0].dim_names[0], "N");
  auto out = (*s)->Run({Value(Tensor::FromVector<float>({2, 3}, {0, 0, 0, -5, 5, -5}))});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorNear((*out)[0].tensor(), Tensor::FromVector<float>({2, 3}, {1, 0, 3, 0, 3, 0}));
  EXPECT_GT((*s)->peak_intermediate_bytes(), 0u);
}

TEST(SessionTest, OverriddenInitializerAppliesToThatRunOnly) {
  // b is also a graph input: a default the caller may override (IR < 4 style). Runs read the
  // other constants in place from the plan; an overridable one must still take each run's value.
  onnx::ModelProto m = AddReluModel();
  auto* b = m.mutable_graph()->add_input();
  b->set_name("b");
  b->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  b->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(3);
  auto s = LoadProto(m);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const Tensor x = Tensor::FromVector<float>({1, 3}, {0, 0, 0});
  const Tensor default_y = Tensor::FromVector<float>({1, 3}, {1, 0, 3});
  auto plain = (*s)->Run(std::vector<std::pair<std::string, Value>>{{"x", Value(x)}});
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  ExpectTensorNear((*plain)[0].tensor(), default_y);
  auto overridden = (*s)->Run(std::vector<std::pair<std::string, Value>>{
      {"x", Value(x)}, {"b", Value(Tensor::FromVector<float>({3}, {5, 6, -7}))}});
  ASSERT_TRUE(overridden.ok()) << overridden.status().ToString();
  ExpectTensorNear((*overridden)[0].tensor(), Tensor::FromVector<float>({1, 3}, {5, 6, 0}));
  auto again = (*s)->Run(std::vector<std::pair<std::string, Value>>{{"x", Value(x)}});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ExpectTensorNear((*again)[0].tensor(), default_y);
}

TEST(SessionTest, RejectsWrongInputs) {
  auto s = LoadProto(AddReluModel());
  ASSERT_TRUE(s.ok());
  auto wrong_count = (*s)->Run(std::vector<Value>{});
  EXPECT_EQ(wrong_count.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wrong_count.status().message().find("expected 1 inputs"), std::string::npos);

  auto wrong_type = (*s)->Run({Value(Tensor::FromVector<int64_t>({1, 3}, {1, 2, 3}))});
  EXPECT_EQ(wrong_type.status().message(), "input 'x': expected element type float32, got int64");

  auto wrong_shape = (*s)->Run({Value(Tensor::FromVector<float>({1, 4}, {1, 2, 3, 4}))});
  EXPECT_EQ(wrong_shape.status().message(), "input 'x': expected shape [N,3], got [1,4]");

  auto unknown = (*s)->Run(std::vector<std::pair<std::string, Value>>{{"nope", Value(Tensor::Scalar<float>(1))}});
  EXPECT_NE(unknown.status().message().find("unknown input 'nope'"), std::string::npos);
}

TEST(SessionTest, CorruptAndTruncatedFilesAreErrors) {
  std::string bytes = AddReluModel().SerializeAsString();
  for (size_t cut : {size_t{0}, size_t{1}, bytes.size() / 2, bytes.size() - 1}) {
    auto s = Session::LoadFromBytes(bytes.substr(0, cut), "");
    EXPECT_FALSE(s.ok()) << "cut at " << cut;
  }
  auto garbage = Session::LoadFromBytes(std::string(100, '\xff'), "");
  EXPECT_EQ(garbage.status().code(), StatusCode::kInvalidArgument);
  auto missing = Session::Load("/nonexistent/model.onnx");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(SessionTest, UnknownOperatorNamesOpDomainOpsetAndNode) {
  onnx::ModelProto m = AddReluModel();
  m.mutable_graph()->mutable_node(1)->set_op_type("FancyRelu");
  auto s = LoadProto(m);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(s.status().message(), "unsupported operator 'FancyRelu' (domain 'ai.onnx', opset 13) at node 'relu'");

  onnx::ModelProto d = AddReluModel();
  d.mutable_graph()->mutable_node(1)->set_domain("com.example");
  auto s2 = LoadProto(d);
  ASSERT_FALSE(s2.ok());
  EXPECT_NE(s2.status().message().find("com.example"), std::string::npos);
}

TEST(SessionTest, DanglingInputAndInconsistentInitializer) {
  onnx::ModelProto m = AddReluModel();
  m.mutable_graph()->mutable_node(1)->set_input(0, "ghost");
  auto s = LoadProto(m);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("input 'ghost' is not a graph input"), std::string::npos);

  onnx::ModelProto bad_init = AddReluModel();
  bad_init.mutable_graph()->mutable_initializer(0)->add_dims(2);  // raw_data no longer matches the shape
  auto s2 = LoadProto(bad_init);
  ASSERT_FALSE(s2.ok());
  EXPECT_NE(s2.status().message().find("tensor 'b'"), std::string::npos);

  onnx::ModelProto dup = AddReluModel();
  dup.mutable_graph()->mutable_node(1)->set_output(0, "sum");
  auto s3 = LoadProto(dup);
  ASSERT_FALSE(s3.ok());
  EXPECT_NE(s3.status().message().find("already produced"), std::string::npos) << s3.status().ToString();
}

TEST(SessionTest, CycleIsAnError) {
  onnx::ModelProto m = AddReluModel();
  m.mutable_graph()->mutable_node(0)->set_input(0, "y");
  auto s = LoadProto(m);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("cycle"), std::string::npos);
}

TEST(SessionTest, ExternalDataIsReadAndValidated) {
  fs::path dir = fs::temp_directory_path() / ("berth_ext_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::vector<float> bias = {1, -2, 3};
  {
    std::ofstream f(dir / "weights.bin", std::ios::binary);
    f.write("PAD!", 4);
    f.write(reinterpret_cast<const char*>(bias.data()), 12);
  }
  onnx::ModelProto m = AddReluModel();
  auto* init = m.mutable_graph()->mutable_initializer(0);
  init->clear_raw_data();
  init->set_data_location(onnx::TensorProto::EXTERNAL);
  auto add_kv = [&](const char* k, const char* v) {
    auto* e = init->add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add_kv("location", "weights.bin");
  add_kv("offset", "4");
  add_kv("length", "12");
  auto s = LoadProto(m, dir.string());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto out = (*s)->Run({Value(Tensor::FromVector<float>({1, 3}, {0, 0, 0}))});
  ASSERT_TRUE(out.ok());
  ExpectTensorNear((*out)[0].tensor(), Tensor::FromVector<float>({1, 3}, {1, 0, 3}));

  // Missing file, out-of-range offset, escaping path, external data without a folder.
  onnx::ModelProto missing = m;
  missing.mutable_graph()->mutable_initializer(0)->mutable_external_data(0)->set_value("nope.bin");
  auto s1 = LoadProto(missing, dir.string());
  ASSERT_FALSE(s1.ok());
  EXPECT_NE(s1.status().message().find("cannot be opened"), std::string::npos);
  onnx::ModelProto far = m;
  far.mutable_graph()->mutable_initializer(0)->mutable_external_data(1)->set_value("100");
  EXPECT_FALSE(LoadProto(far, dir.string()).ok());
  onnx::ModelProto escape = m;
  escape.mutable_graph()->mutable_initializer(0)->mutable_external_data(0)->set_value("../etc/passwd");
  auto s3 = LoadProto(escape, dir.string());
  ASSERT_FALSE(s3.ok());
  EXPECT_NE(s3.status().message().find("leaves the model folder"), std::string::npos);
  EXPECT_FALSE(LoadProto(m, "").ok());
  fs::remove_all(dir);
}

TEST(SessionTest, ConcurrentRunsGiveIdenticalResults) {
  auto s = LoadProto(AddReluModel());
  ASSERT_TRUE(s.ok());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        float v = static_cast<float>(t * 1000 + i);
        auto out = (*s)->Run({Value(Tensor::FromVector<float>({1, 3}, {v, v, v}))});
        if (!out.ok() || (*out)[0].tensor().data<float>()[0] != v + 1 || (*out)[0].tensor().data<float>()[2] != v + 3) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(SessionTest, IntermediatesAreFreedAfterLastUse) {
  // A chain of 8 Relu nodes on a 1 MiB tensor: with freeing, at most two intermediates are alive.
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  auto* x = g->add_input();
  x->set_name("x");
  x->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  std::string prev = "x";
  for (int i = 0; i < 8; ++i) {
    auto* n = g->add_node();
    n->set_op_type("Relu");
    n->add_input(prev);
    prev = "r" + std::to_string(i);
    n->add_output(prev);
  }
  g->add_output()->set_name(prev);
  auto s = LoadProto(m);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Tensor big(DataType::kFloat32, {256 * 1024});
  ASSERT_TRUE((*s)->Run({Value(big)}).ok());
  EXPECT_LE((*s)->peak_intermediate_bytes(), 2u * big.nbytes());
  EXPECT_GE((*s)->peak_intermediate_bytes(), big.nbytes());
}

TEST(SessionTest, InlinesSchemaFunctions) {
  // MeanVarianceNormalization is defined by a function body in the ONNX schema.
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  auto* x = g->add_input();
  x->set_name("x");
  auto* tt = x->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (int d : {1, 1, 1, 4}) tt->mutable_shape()->add_dim()->set_dim_value(d);
  auto* n = g->add_node();
  n->set_op_type("MeanVarianceNormalization");
  n->add_input("x");
  n->add_output("y");
  auto* a = n->add_attribute();
  a->set_name("axes");
  a->set_type(onnx::AttributeProto::INTS);
  a->add_ints(3);
  g->add_output()->set_name("y");
  auto s = LoadProto(m);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto out = (*s)->Run({Value(Tensor::FromVector<float>({1, 1, 1, 4}, {1, 2, 3, 4}))});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  // mean 2.5, std sqrt(1.25)
  float sd = std::sqrt(1.25f);
  ExpectTensorNear((*out)[0].tensor(),
                   Tensor::FromVector<float>({1, 1, 1, 4}, {-1.5f / sd, -0.5f / sd, 0.5f / sd, 1.5f / sd}), 1e-4, 1e-5);
}

}  // namespace
}  // namespace berth

namespace berth {
namespace {

// Inputs that once crashed the loader (found by fuzz/model_loader_fuzz): each must load or fail
// with a Status.
TEST(SessionTest, FuzzRegressionsDoNotCrash) {
  fs::path dir = fs::path(BERTH_SOURCE_DIR) / "fuzz" / "regressions" / "model_loader";
  int count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    auto bytes = ReadFileBytes(entry.path().string());
    ASSERT_TRUE(bytes.ok());
    auto s = Session::LoadFromBytes(*bytes, "");
    if (s.ok()) {
      SUCCEED() << entry.path() << " loads";
    } else {
      EXPECT_FALSE(s.status().message().empty()) << entry.path();
    }
    ++count;
  }
  EXPECT_GT(count, 0);
}

}  // namespace
}  // namespace berth

namespace berth {
namespace {

TEST(SessionTest, StaticShapeInferenceFillsIntermediateTypes) {
  auto s = LoadProto(AddReluModel());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const auto& value_info = (*s)->model().graph->value_info;
  auto it = value_info.find("sum");
  ASSERT_NE(it, value_info.end()) << "shape inference did not annotate 'sum'";
  EXPECT_EQ(it->second.dtype, DataType::kFloat32);
  ASSERT_TRUE(it->second.has_shape);
  EXPECT_EQ(it->second.dims, (std::vector<int64_t>{-1, 3}));
  EXPECT_EQ(it->second.dim_names[0], "N");
}

}  // namespace
}  // namespace berth
