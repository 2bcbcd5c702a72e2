// InferSimpleShapes against ONNX's own shape inference on the graphs it covers, and the graphs it
// must leave to ONNX.
#include "engine/onnx/simple_shape_inference.h"

#include <gtest/gtest.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <map>
#include <string>
#include <vector>

namespace berth {
namespace {

// One dimension: a number, or a name when `param` is set.
struct D {
  int64_t value = -1;
  std::string param;
};

onnx::ValueInfoProto Value(const std::string& name, int32_t elem_type, const std::vector<D>& dims) {
  onnx::ValueInfoProto vi;
  vi.set_name(name);
  auto* t = vi.mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem_type);
  auto* shape = t->mutable_shape();
  for (const D& d : dims) {
    auto* dim = shape->add_dim();
    if (!d.param.empty()) {
      dim->set_dim_param(d.param);
    } else if (d.value >= 0) {
      dim->set_dim_value(d.value);
    }
  }
  return vi;
}

void AddWeight(onnx::GraphProto* g, const std::string& name, const std::vector<int64_t>& dims) {
  auto* init = g->add_initializer();
  init->set_name(name);
  init->set_data_type(onnx::TensorProto::FLOAT);
  int64_t n = 1;
  for (int64_t d : dims) {
    init->add_dims(d);
    n *= d;
  }
  for (int64_t i = 0; i < n; ++i) init->add_float_data(0.5f);
}

onnx::NodeProto* AddNode(onnx::GraphProto* g, const std::string& op, const std::vector<std::string>& in,
                         const std::string& out, const std::map<std::string, int64_t>& ints = {}) {
  auto* n = g->add_node();
  n->set_op_type(op);
  for (const auto& i : in) n->add_input(i);
  n->add_output(out);
  for (const auto& [name, v] : ints) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  return n;
}

onnx::ModelProto Model(const onnx::GraphProto& graph) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  *m.mutable_graph() = graph;
  return m;
}

// "elem_type:dim,dim,..." with dims as numbers, names or '?'.
std::string Describe(const onnx::TypeProto& t) {
  std::string s = std::to_string(t.tensor_type().elem_type()) + ":";
  if (!t.tensor_type().has_shape()) return s + "(no shape)";
  for (const auto& d : t.tensor_type().shape().dim()) {
    s += d.has_dim_value() ? std::to_string(d.dim_value()) : (d.has_dim_param() ? d.dim_param() : "?");
    s += ",";
  }
  return s;
}

std::map<std::string, std::string> Types(const onnx::GraphProto& g) {
  std::map<std::string, std::string> out;
  for (const auto& vi : g.value_info()) out[vi.name()] = Describe(vi.type());
  for (const auto& vi : g.output()) out["output " + vi.name()] = Describe(vi.type());
  return out;
}

// Ours and ONNX's inference give the same value_info and graph outputs.
void ExpectSameAsOnnx(const onnx::GraphProto& graph) {
  onnx::ModelProto ours = Model(graph);
  ASSERT_TRUE(InferSimpleShapes(ours.mutable_graph()));
  onnx::ModelProto theirs = Model(graph);
  onnx::ShapeInferenceOptions options(/*check_type=*/true, /*strict_mode=*/1, /*data_prop=*/false);
  onnx::shape_inference::InferShapes(theirs, onnx::OpSchemaRegistry::Instance(), options);
  EXPECT_EQ(Types(ours.graph()), Types(theirs.graph()));
  EXPECT_EQ(ours.graph().value_info_size(), graph.node_size() - graph.output_size());
}

TEST(InferSimpleShapes, TabularMlpMatchesOnnx) {
  onnx::GraphProto g;
  *g.add_input() = Value("x", onnx::TensorProto::FLOAT, {{-1, "batch"}, {784, ""}});
  AddWeight(&g, "w1", {64, 784});
  AddWeight(&g, "b1", {64});
  AddWeight(&g, "w2", {64, 10});
  AddNode(&g, "Gemm", {"x", "w1", "b1"}, "h1", {{"transB", 1}});
  AddNode(&g, "Relu", {"h1"}, "r1");
  AddNode(&g, "Gemm", {"r1", "w2"}, "h2");
  AddNode(&g, "Sigmoid", {"h2"}, "s");
  AddNode(&g, "Softmax", {"s"}, "y", {{"axis", 1}});
  *g.add_output() = Value("y", onnx::TensorProto::FLOAT, {});  // declared without a shape
  g.mutable_output(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  ExpectSameAsOnnx(g);
}

TEST(InferSimpleShapes, MatMulAndTransposedGemmMatchOnnx) {
  onnx::GraphProto g;
  *g.add_input() = Value("a", onnx::TensorProto::FLOAT, {{16, ""}, {-1, "rows"}});
  AddWeight(&g, "w", {16, 8});
  AddWeight(&g, "v", {8, 3});
  AddNode(&g, "Gemm", {"a", "w"}, "g", {{"transA", 1}});  // [rows, 8]
  AddNode(&g, "Tanh", {"g"}, "t");
  AddNode(&g, "MatMul", {"t", "v"}, "m");  // [rows, 3]
  AddNode(&g, "LogSoftmax", {"m"}, "y");
  *g.add_output() = Value("y", onnx::TensorProto::FLOAT, {{-1, "rows"}, {3, ""}});
  ExpectSameAsOnnx(g);
}

TEST(InferSimpleShapes, LeavesOtherGraphsUnchanged) {
  auto refuses = [](const onnx::GraphProto& g) {
    onnx::GraphProto copy = g;
    EXPECT_FALSE(InferSimpleShapes(&copy));
    EXPECT_EQ(copy.SerializeAsString(), g.SerializeAsString());
  };
  onnx::GraphProto base;
  *base.add_input() = Value("x", onnx::TensorProto::FLOAT, {{-1, "n"}, {4, ""}});
  AddWeight(&base, "w", {4, 4});
  AddNode(&base, "Gemm", {"x", "w"}, "h");
  *base.add_output() = Value("y", onnx::TensorProto::FLOAT, {});
  {
    onnx::GraphProto g = base;  // an operator outside the list
    AddNode(&g, "Flatten", {"h"}, "y");
    refuses(g);
  }
  {
    onnx::GraphProto g = base;  // another domain
    AddNode(&g, "Relu", {"h"}, "y")->set_domain("com.example");
    refuses(g);
  }
  {
    onnx::GraphProto g = base;  // an input of unknown type
    AddNode(&g, "Relu", {"nowhere"}, "y");
    refuses(g);
  }
  {
    onnx::GraphProto g;  // MatMul of more than two dimensions
    *g.add_input() = Value("x", onnx::TensorProto::FLOAT, {{2, ""}, {3, ""}, {4, ""}});
    AddWeight(&g, "w", {4, 5});
    AddNode(&g, "MatMul", {"x", "w"}, "y");
    *g.add_output() = Value("y", onnx::TensorProto::FLOAT, {});
    refuses(g);
  }
}

}  // namespace
}  // namespace berth
