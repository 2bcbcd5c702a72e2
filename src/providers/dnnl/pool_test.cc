// oneDNN pooling and BatchNormalization against the reference provider.
#include <gtest/gtest.h>

#include <random>

#include "providers/dnnl/dnnl_test_util.h"

namespace berth::dnnl_provider {
namespace {

using testing::IntAttr;
using testing::IntsAttr;
using testing::StringAttr;

struct PoolCase {
  std::string op;
  Shape x;
  std::map<std::string, Attribute> attrs;
};

TEST(DnnlPoolTest, MatchesReference) {
  std::vector<PoolCase> cases = {
      {"MaxPool", {1, 5, 9, 9}, {{"kernel_shape", IntsAttr({3, 3})}, {"strides", IntsAttr({2, 2})}, {"pads", IntsAttr({1, 1, 1, 1})}}},
      {"MaxPool", {2, 3, 10, 7}, {{"kernel_shape", IntsAttr({2, 3})}, {"strides", IntsAttr({2, 2})}, {"ceil_mode", IntAttr(1)}}},
      {"MaxPool", {1, 4, 11, 11}, {{"kernel_shape", IntsAttr({3, 3})}, {"dilations", IntsAttr({2, 2})}}},
      {"MaxPool", {1, 4, 10, 9}, {{"kernel_shape", IntsAttr({3, 3})}, {"strides", IntsAttr({2, 2})}, {"auto_pad", StringAttr("SAME_UPPER")}}},
      {"AveragePool", {1, 6, 9, 9}, {{"kernel_shape", IntsAttr({3, 3})}, {"pads", IntsAttr({1, 1, 1, 1})}}},
      {"AveragePool", {1, 6, 9, 9}, {{"kernel_shape", IntsAttr({3, 3})}, {"pads", IntsAttr({1, 1, 1, 1})}, {"count_include_pad", IntAttr(1)}}},
      {"AveragePool", {2, 3, 10, 7}, {{"kernel_shape", IntsAttr({3, 3})}, {"strides", IntsAttr({2, 2})}, {"ceil_mode", IntAttr(1)}}},
      {"AveragePool", {2, 3, 10, 7}, {{"kernel_shape", IntsAttr({3, 3})}, {"strides", IntsAttr({2, 2})}, {"ceil_mode", IntAttr(1)}, {"count_include_pad", IntAttr(1)}, {"pads", IntsAttr({1, 1, 1, 1})}}},
      {"GlobalAveragePool", {2, 7, 5, 6}, {}},
      {"GlobalMaxPool", {2, 7, 5, 6}, {}},
  };
  for (const PoolCase& c : cases) {
    SCOPED_TRACE(c.op + " " + ShapeToString(c.x));
    std::mt19937 rng(4);
    ModelBuilder mb;
    mb.Input("x", RandomTensor(c.x, rng));
    Node& n = mb.AddNode(c.op, {"x"}, {"y"});
    n.attributes = c.attrs;
    mb.Output("y");
    ExpectSameAsReference(mb, {c.op});
  }
}

TEST(DnnlPoolTest, MaxPoolIndicesRunOnTheReference) {
  std::mt19937 rng(4);
  ModelBuilder mb;
  mb.Input("x", RandomTensor({1, 2, 6, 6}, rng));
  Node& n = mb.AddNode("MaxPool", {"x"}, {"y", "i"});
  n.attributes["kernel_shape"] = IntsAttr({2, 2});
  mb.Output("y");
  mb.Output("i");
  auto session = Session::Create(mb.Build(), OptimizedOptions());
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ((*session)->node_providers(), std::vector<std::string>{"reference"});
}

TEST(DnnlBatchNormTest, MatchesReference) {
  for (Shape shape : {Shape{2, 5, 4, 3}, Shape{3, 5}, Shape{1, 5, 2, 3, 4}}) {
    SCOPED_TRACE(ShapeToString(shape));
    std::mt19937 rng(8);
    ModelBuilder mb;
    mb.Input("x", RandomTensor(shape, rng));
    mb.Initializer("scale", RandomTensor({5}, rng));
    mb.Initializer("b", RandomTensor({5}, rng));
    mb.Initializer("mean", RandomTensor({5}, rng));
    Tensor var = RandomTensor({5}, rng);
    for (int i = 0; i < 5; ++i) var.data<float>()[i] = 0.5f + std::abs(var.data<float>()[i]);
    mb.Initializer("var", var);
    Node& n = mb.AddNode("BatchNormalization", {"x", "scale", "b", "mean", "var"}, {"y"});
    n.attributes["epsilon"] = testing::FloatAttr(1e-3f);
    mb.Output("y");
    ExpectSameAsReference(mb, {"BatchNormalization"});
  }
}

}  // namespace
}  // namespace berth::dnnl_provider
