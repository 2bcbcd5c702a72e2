#include "repository/testing/test_models.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <stdexcept>

#include "berth/tensor.h"
#include "engine/onnx/tensor_proto.h"

namespace berth::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = fs::temp_directory_path() /
          ("berth_repo_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter.fetch_add(1)));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

onnx::ModelProto BiasReluModel(float bias, bool with_sum) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("bias_relu");
  auto* x = g->add_input();
  x->set_name("x");
  auto* tt = x->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  tt->mutable_shape()->add_dim()->set_dim_param("N");
  tt->mutable_shape()->add_dim()->set_dim_value(3);
  TensorToProto(Tensor::FromVector<float>({3}, {bias, bias, bias}), "b", g->add_initializer());
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
  for (const char* name : {"y", "sum"}) {
    if (std::string(name) == "sum" && !with_sum) break;
    auto* out = g->add_output();
    out->set_name(name);
    auto* ot = out->mutable_type()->mutable_tensor_type();
    ot->set_elem_type(onnx::TensorProto::FLOAT);
    ot->mutable_shape()->add_dim()->set_dim_param("N");
    ot->mutable_shape()->add_dim()->set_dim_value(3);
  }
  return m;
}

onnx::ModelProto ReluModel(const std::string& input, const std::string& output, const std::vector<int64_t>& shape) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("relu");
  for (bool is_input : {true, false}) {
    auto* value = is_input ? g->add_input() : g->add_output();
    value->set_name(is_input ? input : output);
    auto* tt = value->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : shape) tt->mutable_shape()->add_dim()->set_dim_value(d);
  }
  auto* relu = g->add_node();
  relu->set_op_type("Relu");
  relu->set_name("relu");
  relu->add_input(input);
  relu->add_output(output);
  return m;
}

void WriteTextFile(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

void WriteModelFile(const fs::path& file, const onnx::ModelProto& model) {
  WriteTextFile(file, model.SerializeAsString());
}

void AddModelVersion(const fs::path& repo, const std::string& name, int64_t version, const onnx::ModelProto& model,
                     const std::string& file_name) {
  WriteModelFile(repo / name / std::to_string(version) / file_name, model);
}

}  // namespace berth::testing
