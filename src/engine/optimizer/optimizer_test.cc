// The whole pipeline: graphs shaped like what exporters produce, run through real sessions at
// optimization level 2 (with the default providers) and level 0.

#include "engine/optimizer/optimizer.h"

#include "engine/optimizer/optimizer_test_util.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {
namespace {

using testing::CountOps;
using testing::GraphBuilder;
using testing::Random;

StatusOr<std::vector<Value>> RunSession(const Graph& graph, const std::vector<Value>& inputs,
                                        int level) {
  auto model = std::make_shared<Model>();
  model->ir_version = 8;
  model->graph = std::make_shared<Graph>(graph);
  SessionOptions options;
  options.optimization_level = level;
  options.infer_shapes = false;
  ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Create(model, options));
  return session->Run(inputs);
}

void ExpectLevelsAgree(const Graph& graph, const std::vector<Value>& inputs) {
  auto want = RunSession(graph, inputs, 0);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  for (int level : {1, 2}) {
    auto got = RunSession(graph, inputs, level);
    ASSERT_TRUE(got.ok()) << "level " << level << ": " << got.status().ToString();
    ASSERT_EQ(got->size(), want->size());
    for (size_t i = 0; i < want->size(); ++i)
      EXPECT_EQ(CompareTensors((*got)[i].tensor(), (*want)[i].tensor(), 1e-4, 1e-4), "")
          << "level " << level << " output " << i;
  }
}

// Conv -> BN -> Relu -> Conv -> BN -> Add(skip) -> Relu -> GlobalAveragePool -> Flatten -> Gemm.
GraphBuilder ResNetBlock() {
  GraphBuilder b(13);
  b.Input("x", {1, 4, 6, 6}).Output("logits");
  for (int i = 1; i <= 2; ++i) {
    const std::string s = std::to_string(i);
    b.Init("w" + s, Random({4, 4, 3, 3}, 10 * i, -0.5f, 0.5f));
    b.Init("scale" + s, Random({4}, 10 * i + 1, 0.5f, 1.5f));
    b.Init("shift" + s, Random({4}, 10 * i + 2));
    b.Init("mean" + s, Random({4}, 10 * i + 3));
    b.Init("var" + s, Random({4}, 10 * i + 4, 0.5f, 1.5f));
  }
  b.Init("fc_w", Random({3, 4}, 5));
  b.Init("fc_b", Random({3}, 6));
  std::map<std::string, Attribute> pads = {{"pads", MakeIntsAttr({1, 1, 1, 1})}};
  b.Op("Conv", {"x", "w1"}, {"c1"}, pads);
  b.Op("BatchNormalization", {"c1", "scale1", "shift1", "mean1", "var1"}, {"bn1"});
  b.Op("Relu", {"bn1"}, {"r1"});
  b.Op("Conv", {"r1", "w2"}, {"c2"}, pads);
  b.Op("BatchNormalization", {"c2", "scale2", "shift2", "mean2", "var2"}, {"bn2"});
  b.Op("Add", {"bn2", "x"}, {"s"});
  b.Op("Relu", {"s"}, {"r2"});
  b.Op("GlobalAveragePool", {"r2"}, {"p"});
  b.Op("Flatten", {"p"}, {"f"});
  b.Op("Gemm", {"f", "fc_w", "fc_b"}, {"logits"}, {{"transB", MakeIntAttr(1)}});
  for (const char* v : {"c1", "bn1", "r1", "c2", "bn2", "s", "r2"}) b.Info(v, {1, 4, 6, 6});
  b.Info("p", {1, 4, 1, 1}).Info("f", {1, 4}).Info("logits", {1, 3});
  return b;
}

TEST(OptimizerTest, ResNetBlockFoldsAndFuses) {
  GraphBuilder b = ResNetBlock();
  Graph g = b.Copy();
  ASSERT_TRUE(OptimizeGraph(g, OptimizerOptions{2}).ok());
  EXPECT_EQ(CountOps(g, "BatchNormalization"), 0);
  EXPECT_EQ(CountOps(g, "FusedConv", kBerthDomain), 2);
  EXPECT_EQ(CountOps(g, "Relu") + CountOps(g, "Add"), 0);
  EXPECT_EQ(g.nodes.size(), 5u);             // 2 FusedConv, GlobalAveragePool, Flatten, Gemm
  EXPECT_FALSE(g.initializers.count("w1"));  // replaced by the folded weights
  ExpectLevelsAgree(b.graph(), {Random({1, 4, 6, 6}, 7)});
}

// A transformer feed-forward block as torch exports it at opset 13 with static shapes:
// LayerNorm decomposition, MatMul + bias + erf Gelu, MatMul + bias, residual Add, and a
// Shape -> Gather -> Concat -> Reshape shape computation.
GraphBuilder FeedForward() {
  GraphBuilder b(13);
  b.Input("x", {2, 4, 8}).Output("y");
  b.Init("two", Tensor::Scalar<float>(2.0f));
  b.Init("eps", Tensor::Scalar<float>(1e-5f));
  b.Init("gamma", Random({8}, 1, 0.5f, 1.5f));
  b.Init("beta", Random({8}, 2));
  b.Init("w1", Random({8, 16}, 3, -0.3f, 0.3f));
  b.Init("b1", Random({16}, 4));
  b.Init("w2", Random({16, 8}, 5, -0.3f, 0.3f));
  b.Init("b2", Random({8}, 6));
  b.Init("sqrt2", Tensor::Scalar<float>(1.4142135f));
  b.Init("one", Tensor::Scalar<float>(1.0f));
  b.Init("half", Tensor::Scalar<float>(0.5f));
  b.Init("i0", Tensor::FromVector<int64_t>({1}, {0}));
  b.Init("i1", Tensor::FromVector<int64_t>({1}, {1}));
  b.Init("minus1", Tensor::FromVector<int64_t>({1}, {-1}));
  std::map<std::string, Attribute> last = {{"axes", MakeIntsAttr({-1})}};
  b.Op("ReduceMean", {"x"}, {"mean"}, last);
  b.Op("Sub", {"x", "mean"}, {"d"});
  b.Op("Pow", {"d", "two"}, {"sq"});
  b.Op("ReduceMean", {"sq"}, {"var"}, last);
  b.Op("Add", {"var", "eps"}, {"ve"});
  b.Op("Sqrt", {"ve"}, {"std"});
  b.Op("Div", {"d", "std"}, {"n"});
  b.Op("Mul", {"n", "gamma"}, {"ng"});
  b.Op("Add", {"ng", "beta"}, {"ln"});
  b.Op("MatMul", {"ln", "w1"}, {"m1"});
  b.Op("Add", {"b1", "m1"}, {"h"});
  b.Op("Div", {"h", "sqrt2"}, {"hd"});
  b.Op("Erf", {"hd"}, {"he"});
  b.Op("Add", {"he", "one"}, {"ha"});
  b.Op("Mul", {"h", "ha"}, {"hm"});
  b.Op("Mul", {"hm", "half"}, {"gelu"});
  b.Op("MatMul", {"gelu", "w2"}, {"m2"});
  b.Op("Add", {"b2", "m2"}, {"o"});
  b.Op("Add", {"x", "o"}, {"res"});
  b.Op("Shape", {"res"}, {"shape"});
  b.Op("Gather", {"shape", "i0"}, {"batch"});
  b.Op("Gather", {"shape", "i1"}, {"seq"});
  b.Op("Concat", {"batch", "seq", "minus1"}, {"target"}, {{"axis", MakeIntAttr(0)}});
  b.Op("Reshape", {"res", "target"}, {"y"});
  b.Op("Dropout", {"y"}, {"dropped"});  // dead
  for (const char* v : {"d", "n", "ng", "ln", "o", "res", "y"}) b.Info(v, {2, 4, 8});
  for (const char* v : {"m1", "h", "hd", "he", "ha", "hm", "gelu"}) b.Info(v, {2, 4, 16});
  b.Info("m2", {2, 4, 8});
  return b;
}

TEST(OptimizerTest, TransformerFeedForwardFusesGeluLayerNormAndMatMuls) {
  GraphBuilder b = FeedForward();
  Graph g = b.Copy();
  ASSERT_TRUE(OptimizeGraph(g, OptimizerOptions{2}).ok());
  EXPECT_EQ(CountOps(g, "LayerNormalization", kBerthDomain), 1);
  EXPECT_EQ(CountOps(g, "FusedMatMul", kBerthDomain), 2);
  EXPECT_EQ(CountOps(g, "Gelu", kBerthDomain), 0);  // absorbed by the first FusedMatMul
  EXPECT_EQ(
      CountOps(g, "Shape") + CountOps(g, "Gather") + CountOps(g, "Concat") + CountOps(g, "Dropout"),
      0);
  // LayerNorm, 2 FusedMatMul, residual Add; the Reshape to the same shape is gone too.
  EXPECT_EQ(g.nodes.size(), 4u);
  ExpectLevelsAgree(b.graph(), {Random({2, 4, 8}, 7, -2, 2)});
}

TEST(OptimizerTest, LevelOneOnlyFoldsAndEliminates) {
  GraphBuilder b = FeedForward();
  Graph g = b.Copy();
  ASSERT_TRUE(OptimizeGraph(g, OptimizerOptions{1}).ok());
  EXPECT_EQ(CountOps(g, "Shape") + CountOps(g, "Reshape") + CountOps(g, "Dropout"), 0);
  EXPECT_EQ(CountOps(g, "MatMul"), 2);
  EXPECT_EQ(g.opsets.count(kBerthDomain), 0u);
}

TEST(OptimizerTest, DisabledPassesAreSkipped) {
  GraphBuilder b = ResNetBlock();
  Graph g = b.Copy();
  OptimizerOptions options;
  options.disabled_passes = {"conv_fusion", "conv_bn_folding"};
  ASSERT_TRUE(OptimizeGraph(g, options).ok());
  EXPECT_EQ(CountOps(g, "BatchNormalization"), 2);
  EXPECT_EQ(CountOps(g, "FusedConv", kBerthDomain), 0);
}

TEST(OptimizerTest, OuterScopeValuesOfSubgraphsSurvive) {
  // y = If(cond, then: Relu(t) , else: Neg(t)) where t = Conv(x) is only read by the branches, and
  // a Relu after the Conv would otherwise be fused.
  auto branch = [](const std::string& op) {
    auto body = std::make_shared<Graph>();
    body->name = op;
    body->opsets[""] = 13;
    Node n;
    n.name = op + "_inner";
    n.op_type = op;
    n.inputs = {"t"};
    n.outputs = {op + "_out"};
    body->nodes.push_back(n);
    ValueInfo out;
    out.name = op + "_out";
    body->outputs.push_back(out);
    Attribute a;
    a.type = Attribute::Type::kGraph;
    a.g = body;
    return a;
  };
  GraphBuilder b(13);
  b.Input("x", {1, 2, 3, 3}).Input("cond", {}, DataType::kBool).Output("y").Output("r");
  b.Init("w", Random({2, 2, 1, 1}, 1));
  b.Op("Conv", {"x", "w"}, {"t"});
  b.Op("Identity", {"t"}, {"t2"});
  b.Op("Relu", {"t2"}, {"r"});
  b.Op("If", {"cond"}, {"y"}, {{"then_branch", branch("Relu")}, {"else_branch", branch("Neg")}});
  b.Info("t", {1, 2, 3, 3}).Info("t2", {1, 2, 3, 3}).Info("r", {1, 2, 3, 3});
  Graph g = b.Copy();
  ASSERT_TRUE(OptimizeGraph(g, OptimizerOptions{2}).ok());
  EXPECT_EQ(CountOps(g, "Conv"), 1);
  EXPECT_EQ(CountOps(g, "If"), 1);
  for (bool c : {true, false})
    ExpectLevelsAgree(b.graph(), {Random({1, 2, 3, 3}, 2), Tensor::Scalar<bool>(c)});
}

TEST(OptimizerTest, LevelZeroChangesNothingAndCyclesAreLeftToThePlanner) {
  GraphBuilder b = ResNetBlock();
  Graph g = b.Copy();
  ASSERT_TRUE(OptimizeGraph(g, OptimizerOptions{0}).ok());
  EXPECT_EQ(g.nodes.size(), b.graph().nodes.size());

  GraphBuilder c;
  c.Input("x", {2}).Output("y");
  c.Op("Add", {"x", "b"}, {"a"});
  c.Op("Neg", {"a"}, {"b"});
  c.Op("Identity", {"a"}, {"y"});
  Graph cyclic = c.Copy();
  ASSERT_TRUE(OptimizeGraph(cyclic, OptimizerOptions{2}).ok());
  EXPECT_EQ(cyclic.nodes.size(), 3u);

  // A value produced twice, and a dangling input: untouched (the planner names the problem).
  GraphBuilder d;
  d.Input("x", {2}).Output("y");
  d.Op("Neg", {"x"}, {"a"});
  d.Op("Abs", {"x"}, {"a"});
  d.Op("Identity", {"a"}, {"y"});
  d.Op("Identity", {"ghost"}, {"unused"});
  Graph dup = d.Copy();
  ASSERT_TRUE(OptimizeGraph(dup, OptimizerOptions{2}).ok());
  EXPECT_EQ(dup.nodes.size(), 4u);
}

}  // namespace
}  // namespace berth::opt
