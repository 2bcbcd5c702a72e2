// The blocked-layout pass: a small network with the shapes it rewrites (strided first layer with few
// channels, pooling, residual Add, SE-style Sigmoid/Mul, Concat on channels, odd channel counts,
// a blocked value that is also a graph output) gives the reference outputs, and runs blocked.
#include "providers/dnnl/blocked_layout_pass.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "providers/dnnl/dnnl_test_util.h"

namespace berth::dnnl_provider {
namespace {

using testing::IntAttr;
using testing::IntsAttr;

ModelBuilder SmallNet(int64_t batch) {
  std::mt19937 rng(11);
  ModelBuilder mb;
  mb.Input("x", RandomTensor({batch, 3, 20, 18}, rng));
  auto conv = [&](const std::string& in, const std::string& out, int64_t c, int64_t m, int64_t k, int64_t stride,
                  int64_t group = 1) {
    mb.Initializer(out + "_w", RandomTensor({m, c / group, k, k}, rng));
    mb.Initializer(out + "_b", RandomTensor({m}, rng));
    Node& n = mb.AddNode("Conv", {in, out + "_w", out + "_b"}, {out});
    n.attributes["strides"] = IntsAttr({stride, stride});
    n.attributes["pads"] = IntsAttr({k / 2, k / 2, k / 2, k / 2});
    n.attributes["group"] = IntAttr(group);
  };
  conv("x", "c1", 3, 16, 3, 2);  // plain source, 3 channels
  mb.AddNode("Relu", {"c1"}, {"r1"});
  Node& pool = mb.AddNode("MaxPool", {"r1"}, {"p1"});
  pool.attributes["kernel_shape"] = IntsAttr({3, 3});
  pool.attributes["strides"] = IntsAttr({2, 2});
  pool.attributes["pads"] = IntsAttr({1, 1, 1, 1});
  conv("p1", "c2", 16, 24, 1, 1);  // 24 channels: padded to 32
  mb.AddNode("Relu", {"c2"}, {"r2"});
  conv("r2", "c3", 24, 24, 3, 1, 24);  // depthwise on padded channels
  mb.AddNode("Add", {"c3", "r2"}, {"a3"});
  mb.AddNode("Relu", {"a3"}, {"r3"});
  // Squeeze-excite: GlobalAveragePool -> 1x1 conv -> Sigmoid -> Mul (broadcast over H, W).
  mb.AddNode("GlobalAveragePool", {"r3"}, {"g3"});
  conv("g3", "s3", 24, 24, 1, 1);
  mb.AddNode("Sigmoid", {"s3"}, {"e3"});
  mb.AddNode("Mul", {"r3", "e3"}, {"m3"});
  conv("m3", "c4", 24, 32, 3, 1);
  conv("m3", "c5", 24, 13, 1, 1);
  Node& cat = mb.AddNode("Concat", {"c4", "c5"}, {"cat"});
  cat.attributes["axis"] = IntAttr(1);
  Node& avg = mb.AddNode("AveragePool", {"cat"}, {"ap"});
  avg.attributes["kernel_shape"] = IntsAttr({2, 2});
  avg.attributes["strides"] = IntsAttr({2, 2});
  avg.attributes["ceil_mode"] = IntAttr(1);
  mb.AddNode("GlobalAveragePool", {"ap"}, {"gap"});
  mb.AddNode("Flatten", {"gap"}, {"flat"});
  mb.Output("flat");
  mb.Output("r3");  // a blocked value that is also a graph output
  mb.Output("cat");
  return mb;
}

TEST(BlockedLayoutPassTest, RewritesChainsAndKeepsOutputs) {
  for (int64_t batch : {1, 2}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    ModelBuilder mb = SmallNet(batch);
    Graph g = *mb.Build()->graph;
    auto blocked = ApplyBlockedLayout(g);
    ASSERT_TRUE(blocked.ok()) << blocked.status().ToString();
    std::map<std::string, int> ops;
    for (const Node& n : g.nodes) ops[n.op_type]++;
    EXPECT_EQ(ops["BlockedConv"], 6);
    EXPECT_EQ(ops["BlockedMaxPool"], 1);
    EXPECT_EQ(ops["BlockedAveragePool"], 1);
    EXPECT_EQ(ops["BlockedGlobalAveragePool"], 2);
    EXPECT_EQ(ops["ReorderToBlocked"], 0);      // the first conv reads the plain input
    EXPECT_EQ(ops["ReorderFromBlocked"], 3);    // gap (Flatten reads it), r3 and cat (graph outputs)
    EXPECT_EQ(*blocked, 6 + 1 + 1 + 2 + 3 + 1 + 1 + 1 + 1);  // + Relu x3, Add, Sigmoid, Mul, Concat
    ExpectSameAsReference(mb, {}, 1e-4, 1e-4, /*level=*/2);
    // The rewritten graph itself, without the optimizer's fusions: blocked Relu/Add/Sigmoid/Mul/Concat
    // run as ordinary element-wise ops on the 5-D tensors.
    auto expected = RunModel(mb, /*optimized=*/false);
    ASSERT_TRUE(expected.ok()) << expected.status().ToString();
    auto model = std::make_shared<Model>(*mb.Build());
    model->graph = std::make_shared<Graph>(g);
    auto session = Session::Create(model, OptimizedOptions(0));
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    auto actual = (*session)->Run(mb.InputValues());
    ASSERT_TRUE(actual.ok()) << actual.status().ToString();
    ASSERT_EQ(actual->size(), expected->size());
    for (size_t i = 0; i < actual->size(); ++i) {
      testing::ExpectTensorNear((*actual)[i].tensor(), (*expected)[i].tensor(), 1e-4, 1e-4);
    }
  }
}

TEST(BlockedLayoutPassTest, SessionRunsBlockedOpsOnDnnl) {
  ModelBuilder mb = SmallNet(1);
  SessionOptions options = OptimizedOptions(2);
  options.enable_profiling = true;
  auto session = Session::Create(mb.Build(), options);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  ASSERT_TRUE((*session)->Run(mb.InputValues()).ok());
  int blocked_convs = 0;
  for (const NodeProfile& p : (*session)->profile()) {
    EXPECT_EQ(p.calls, 1) << p.node_name;
    if (p.op_type == "BlockedConv") {
      ++blocked_convs;
      EXPECT_EQ(p.provider, "dnnl");
    }
  }
  EXPECT_GE(blocked_convs, 1);
}

TEST(BlockedLayoutPassTest, ThreadCountDoesNotChangeResults) {
  ModelBuilder mb = SmallNet(2);
  std::vector<Value> outputs[2];
  for (int threads : {1, 2}) {
    SessionOptions options = OptimizedOptions(2);
    options.intra_op_threads = threads;
    auto session = Session::Create(mb.Build(), options);
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    auto out = (*session)->Run(mb.InputValues());
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    outputs[threads - 1] = *out;
  }
  for (size_t i = 0; i < outputs[0].size(); ++i) {
    testing::ExpectTensorNear(outputs[1][i].tensor(), outputs[0][i].tensor(), 1e-5, 1e-6);
  }
}

TEST(BlockedLayoutPassTest, LeavesGraphsWithoutConstantConvWeightsAlone) {
  std::mt19937 rng(2);
  ModelBuilder mb;
  mb.Input("x", RandomTensor({1, 4, 5, 5}, rng));
  mb.Input("w", RandomTensor({4, 4, 3, 3}, rng));
  mb.AddNode("Conv", {"x", "w"}, {"y"});
  mb.AddNode("Relu", {"y"}, {"z"});
  mb.Output("z");
  Graph g = *mb.Build()->graph;
  const size_t nodes = g.nodes.size();
  auto blocked = ApplyBlockedLayout(g);
  ASSERT_TRUE(blocked.ok());
  EXPECT_EQ(*blocked, 0);
  EXPECT_EQ(g.nodes.size(), nodes);
}

}  // namespace
}  // namespace berth::dnnl_provider
