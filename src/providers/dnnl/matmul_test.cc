// MatMul, Gemm, FusedMatMul and FusedGemm on oneDNN against the reference kernels.

#include "providers/dnnl/matmul.h"

#include <gtest/gtest.h>

#include <thread>

#include "engine/testing/op_tester.h"
#include "providers/dnnl/eltwise.h"
#include "providers/dnnl/eltwise_testing.h"

namespace berth::dnnl_dense {
namespace {

using berth::testing::CompareTensors;
using berth::testing::FloatAttr;
using berth::testing::FloatsAttr;
using berth::testing::IntAttr;
using berth::testing::StringAttr;
using testing::NodeRun;
using testing::RandomTensor;
using testing::RunReference;
using testing::RunResult;
using testing::RunWithFactory;

constexpr double kRtol = 1e-4, kAtol = 1e-5;

// Runs taken by the kernel's own fast paths: oneDNN primitives and SmallMatMul.
int64_t FastRuns() { return ThreadExecutionCount() + ThreadSmallMatMulCount(); }

// Runs `run` through `factory`, expects oneDNN or SmallMatMul (not the fallback) to have run it when
// `expect_dnnl`, and compares with `expected`.
void ExpectMatches(KernelFactory factory, const NodeRun& run, const Tensor& expected,
                   bool expect_dnnl = true) {
  const int64_t before = FastRuns();
  RunResult r = RunWithFactory(factory, run);
  ASSERT_FALSE(r.declined) << run.op_type;
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  if (expect_dnnl) {
    EXPECT_GT(FastRuns(), before) << run.op_type << ": the fallback ran";
  }
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(CompareTensors(r.outputs[0], expected, kRtol, kAtol), "");
}

Tensor Reference(const NodeRun& run) {
  RunResult r = RunReference(run);
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  return r.outputs.empty() ? Tensor() : r.outputs[0];
}

NodeRun MatMulRun(const Shape& a, const Shape& b, bool b_constant, uint32_t seed = 1) {
  NodeRun run;
  run.op_type = "MatMul";
  run.inputs = {RandomTensor(a, seed), RandomTensor(b, seed + 100)};
  if (b_constant) run.constants = {1};
  return run;
}

TEST(DnnlMatMul, MatchesReferenceOnBroadcastAndVectorShapes) {
  struct Case {
    Shape a, b;
  };
  const std::vector<Case> cases = {
      {{7, 13}, {13, 5}},          {{2, 3, 7, 13}, {13, 5}},
      {{4, 7, 13}, {4, 13, 9}},    {{2, 1, 7, 13}, {3, 13, 9}},
      {{7, 13}, {3, 13, 9}},       {{13}, {13, 5}},
      {{2, 7, 13}, {13}},          {{13}, {13}},
      {{1, 128, 768}, {768, 64}},  {{2, 12, 33, 64}, {2, 12, 64, 33}},
      {{1, 7, 13}, {1, 1, 13, 6}},
  };
  for (bool constant : {false, true}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(ShapeToString(c.a) + " x " + ShapeToString(c.b) +
                   (constant ? " constant B" : ""));
      NodeRun run = MatMulRun(c.a, c.b, constant);
      ExpectMatches(CreateMatMul, run, Reference(run));
    }
  }
}

TEST(DnnlMatMul, FallsBackOnEmptyAndNonFloatAndReportsBadShapes) {
  NodeRun empty = MatMulRun({0, 13}, {13, 5}, false);
  ExpectMatches(CreateMatMul, empty, Reference(empty), /*expect_dnnl=*/false);
  NodeRun k0 = MatMulRun({3, 0}, {0, 5}, false);
  ExpectMatches(CreateMatMul, k0, Reference(k0), /*expect_dnnl=*/false);

  NodeRun ints;
  ints.op_type = "MatMul";
  ints.inputs = {Tensor::FromVector<int32_t>({2, 2}, {1, 2, 3, 4}),
                 Tensor::FromVector<int32_t>({2, 1}, {5, 6})};
  RunResult r = RunWithFactory(CreateMatMul, ints);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  berth::testing::ExpectTensorEq(r.outputs[0], Tensor::FromVector<int32_t>({2, 1}, {17, 39}));

  NodeRun bad = MatMulRun({2, 3}, {4, 5}, false);
  r = RunWithFactory(CreateMatMul, bad);
  EXPECT_FALSE(r.status.ok());
  EXPECT_NE(r.status.message().find("inner dimensions"), std::string::npos) << r.status.message();
}

TEST(DnnlGemm, MatchesReferenceWithTransposesScalesAndBroadcastC) {
  const int64_t M = 9, K = 17, N = 11;
  const std::vector<Shape> c_shapes = {{}, {N}, {1, N}, {M, 1}, {M, N}, {1}, {1, 1}};
  uint32_t seed = 7;
  for (int trans_a = 0; trans_a < 2; ++trans_a) {
    for (int trans_b = 0; trans_b < 2; ++trans_b) {
      for (float alpha : {1.0f, 0.5f}) {
        for (float beta : {1.0f, 2.0f, 0.0f}) {
          for (size_t ci = 0; ci <= c_shapes.size(); ++ci) {
            for (bool constant : {false, true}) {
              NodeRun run;
              run.op_type = "Gemm";
              run.opset = 13;
              run.attributes = {{"transA", IntAttr(trans_a)},
                                {"transB", IntAttr(trans_b)},
                                {"alpha", FloatAttr(alpha)},
                                {"beta", FloatAttr(beta)}};
              run.inputs = {RandomTensor(trans_a ? Shape{K, M} : Shape{M, K}, ++seed),
                            RandomTensor(trans_b ? Shape{N, K} : Shape{K, N}, ++seed)};
              if (ci < c_shapes.size()) run.inputs.push_back(RandomTensor(c_shapes[ci], ++seed));
              if (constant) run.constants = {1};
              SCOPED_TRACE("transA " + std::to_string(trans_a) + " transB " +
                           std::to_string(trans_b) + " alpha " + std::to_string(alpha) + " beta " +
                           std::to_string(beta) + " C " +
                           (ci < c_shapes.size() ? ShapeToString(c_shapes[ci]) : "none"));
              ExpectMatches(CreateGemm, run, Reference(run));
            }
          }
        }
      }
    }
  }
}

// The reference result of act(MatMul(A, B) + bias), composed from reference kernels.
Tensor ReferenceFused(const std::string& base, const NodeRun& fused, const std::string& act,
                      const std::vector<float>& params) {
  NodeRun mm = fused;
  mm.op_type = base;
  mm.domain = "";
  mm.attributes.erase("activation");
  mm.attributes.erase("activation_params");
  if (base == "MatMul") mm.inputs.resize(2);
  Tensor y = Reference(mm);
  if (base == "MatMul" && fused.inputs.size() > 2) {
    NodeRun add;
    add.op_type = "Add";
    add.inputs = {y, fused.inputs[2]};
    y = Reference(add);
  }
  if (act.empty()) return y;
  NodeRun a;
  a.op_type = act;
  a.inputs = {y};
  if (act == "LeakyRelu") a.attributes["alpha"] = FloatAttr(params[0]);
  if (act == "HardSigmoid") {
    a.attributes["alpha"] = FloatAttr(params[0]);
    a.attributes["beta"] = FloatAttr(params[1]);
  }
  if (act == "Clip") {
    a.inputs.push_back(Tensor::Scalar<float>(params[0]));
    a.inputs.push_back(Tensor::Scalar<float>(params[1]));
  }
  if (act == "GeluTanh") {
    a.op_type = "Gelu";
    a.attributes["approximate"] = StringAttr("tanh");
  }
  return Reference(a);
}

struct ActCase {
  std::string name;
  std::vector<float> params;
};
const std::vector<ActCase> kActivations = {
    {"", {}},        {"Relu", {}},     {"LeakyRelu", {0.2f}},         {"Clip", {-0.3f, 0.4f}},
    {"Sigmoid", {}}, {"Tanh", {}},     {"HardSigmoid", {0.3f, 0.4f}}, {"HardSwish", {}},
    {"Gelu", {}},    {"GeluTanh", {}},
};

TEST(DnnlFusedMatMul, AppliesBiasAndEveryActivation) {
  for (const ActCase& act : kActivations) {
    for (bool with_bias : {false, true}) {
      SCOPED_TRACE(act.name + (with_bias ? " with bias" : ""));
      NodeRun run;
      run.op_type = "FusedMatMul";
      run.domain = "com.berth";
      run.opset = 1;
      run.inputs = {RandomTensor({2, 5, 24}, 3, -3, 3), RandomTensor({24, 19}, 4)};
      if (with_bias) run.inputs.push_back(RandomTensor({19}, 5));
      run.constants = {1};
      if (!act.name.empty()) run.attributes["activation"] = StringAttr(act.name);
      if (!act.params.empty()) run.attributes["activation_params"] = FloatsAttr(act.params);
      const Tensor composed = ReferenceFused("MatMul", run, act.name, act.params);
      ExpectMatches(CreateMatMul, run, composed);
      // The reference provider's own FusedMatMul (the optimizer's contract) agrees too.
      ExpectMatches(CreateMatMul, run, Reference(run));
    }
  }
}

TEST(DnnlFusedMatMul, DeclinesUnknownActivation) {
  NodeRun run;
  run.op_type = "FusedMatMul";
  run.domain = "com.berth";
  run.attributes["activation"] = StringAttr("Swish");
  run.inputs = {RandomTensor({2, 3}, 1), RandomTensor({3, 2}, 2)};
  EXPECT_TRUE(RunWithFactory(CreateMatMul, run).declined);
}

TEST(DnnlFusedGemm, AppliesActivationAfterBetaC) {
  for (const ActCase& act : kActivations) {
    SCOPED_TRACE(act.name);
    NodeRun run;
    run.op_type = "FusedGemm";
    run.domain = "com.berth";
    run.opset = 1;
    run.attributes = {
        {"transB", IntAttr(1)}, {"alpha", FloatAttr(1.5f)}, {"beta", FloatAttr(0.5f)}};
    if (!act.name.empty()) run.attributes["activation"] = StringAttr(act.name);
    if (!act.params.empty()) run.attributes["activation_params"] = FloatsAttr(act.params);
    run.inputs = {RandomTensor({6, 32}, 8, -2, 2), RandomTensor({10, 32}, 9),
                  RandomTensor({10}, 10)};
    run.constants = {1};
    NodeRun ref = run;
    ref.opset = 13;
    ExpectMatches(CreateGemm, run, ReferenceFused("Gemm", ref, act.name, act.params));
    ExpectMatches(CreateGemm, run, Reference(run));
  }
}

TEST(DnnlMatMul, PackedWeightsAreSharedPerBufferAndLayout) {
  const Tensor w = RandomTensor({64, 96}, 3);
  const dnnl::memory::desc user = PlainDesc({64, 96});
  const dnnl::memory::desc blocked(user.dims(), dnnl::memory::data_type::f32,
                                   dnnl::memory::format_tag::BA16a64b);
  std::shared_ptr<const PackedWeights> a = SharedPack(w, user, blocked);
  std::shared_ptr<const PackedWeights> b =
      SharedPack(w.Reshaped({64, 96}), user, blocked);  // same buffer
  std::shared_ptr<const PackedWeights> c =
      SharedPack(w.Clone(), user, blocked);  // equal values, own buffer
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_NE(a.get(), c.get());
  // Reordering back gives the weights again.
  Tensor back(DataType::kFloat32, {64, 96});
  dnnl::memory src = Wrap(a->packed, a->data.get());
  dnnl::memory dst = Wrap(user, back.raw_data());
  dnnl::reorder(src, dst).execute(ThreadStream(), src, dst);
  ThreadStream().wait();
  EXPECT_TRUE(back.IdenticalTo(w));

  // Two MatMul nodes on the same initializer run on one pack (and agree with the reference).
  NodeRun run = MatMulRun({2, 16, 64}, {64, 96}, true);
  run.inputs[1] = w;
  const Tensor expected = Reference(run);
  ExpectMatches(CreateMatMul, run, expected);
  ExpectMatches(CreateMatMul, run, expected);
}

TEST(DnnlMatMul, ConcurrentRunsOfOneKernelAgree) {
  NodeRun run = MatMulRun({3, 64, 96}, {96, 80}, true);
  const Tensor expected = Reference(run);
  Node node;
  node.name = "mm";
  node.op_type = "MatMul";
  node.inputs = {"a", "b"};
  node.outputs = {"y"};
  std::map<std::string, Tensor> constants = {{"b", run.inputs[1].tensor()}};
  KernelInfo info(node, 13, &constants);
  auto kernel = CreateMatMul(info);
  ASSERT_TRUE(kernel.ok() && kernel.value());
  std::vector<std::string> errors(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        testing::TestContext ctx(run.inputs, 1, "mm");
        Status st = kernel.value()->Compute(ctx);
        if (!st.ok()) {
          errors[t] = st.ToString();
          return;
        }
        std::string diff = CompareTensors(ctx.outputs()[0], expected, kRtol, kAtol);
        if (!diff.empty()) {
          errors[t] = diff;
          return;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& e : errors) EXPECT_EQ(e, "");
}

}  // namespace
}  // namespace berth::dnnl_dense
