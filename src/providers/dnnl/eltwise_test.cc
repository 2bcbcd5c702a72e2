// Element-wise activations and Clip on oneDNN against the reference kernels.

#include "providers/dnnl/eltwise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "engine/testing/op_tester.h"
#include "providers/dnnl/eltwise_testing.h"

namespace berth::dnnl_dense {
namespace {

using berth::testing::CompareTensors;
using berth::testing::FloatAttr;
using berth::testing::StringAttr;
using testing::NodeRun;
using testing::RandomTensor;
using testing::RunReference;
using testing::RunResult;
using testing::RunWithFactory;

void ExpectLikeReference(KernelFactory factory, const NodeRun& run, bool expect_dnnl) {
  RunResult expected = RunReference(run);
  ASSERT_TRUE(expected.status.ok()) << expected.status.ToString();
  const int64_t before = ThreadExecutionCount();
  RunResult r = RunWithFactory(factory, run);
  ASSERT_FALSE(r.declined);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(ThreadExecutionCount() > before, expect_dnnl);
  EXPECT_EQ(CompareTensors(r.outputs[0], expected.outputs[0], 1e-4, 1e-5), "");
}

TEST(DnnlEltwise, MatchesReferenceForEveryActivation) {
  struct Case {
    std::string op;
    int opset;
    std::map<std::string, Attribute> attrs;
    float lo, hi;
  };
  const std::vector<Case> cases = {
      {"Relu", 14, {}, -5, 5},
      {"LeakyRelu", 16, {{"alpha", FloatAttr(0.3f)}}, -5, 5},
      {"Sigmoid", 13, {}, -20, 20},
      {"Tanh", 13, {}, -10, 10},
      {"Exp", 13, {}, -20, 20},
      {"Log", 13, {}, 0.001f, 100},
      {"Sqrt", 13, {}, 0, 100},
      {"Abs", 13, {}, -5, 5},
      {"Elu", 6, {{"alpha", FloatAttr(0.7f)}}, -5, 5},
      {"HardSwish", 14, {}, -5, 5},
      {"Gelu", 20, {}, -6, 6},
      {"Gelu", 20, {{"approximate", StringAttr("tanh")}}, -6, 6},
  };
  uint32_t seed = 1;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.op);
    NodeRun run;
    run.op_type = c.op;
    run.opset = c.opset;
    run.attributes = c.attrs;
    run.inputs = {RandomTensor({3, 37, 41}, ++seed, c.lo, c.hi)};
    ExpectLikeReference(CreateEltwise, run, true);
    run.inputs = {RandomTensor({5, 7}, ++seed, c.lo, c.hi)};  // small: the reference runs it
    ExpectLikeReference(CreateEltwise, run, false);
  }
}

TEST(DnnlEltwise, SpecialValuesMatchReference) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> special = {0.0f,  -0.0f,  1.0f, -1.0f, 88.0f,  89.0f,   -88.0f, -104.0f,
                                1e30f, -1e30f, inf,  -inf,  1e-30f, -1e-30f, 0.5f,   nan};
  for (const char* op : {"Relu", "LeakyRelu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Abs", "Elu",
                         "HardSwish", "Gelu"}) {
    SCOPED_TRACE(op);
    // oneDNN's Relu and Exp clamp NaN (to 0 and +inf) where the reference propagates it; the other
    // activations propagate NaN like the reference.
    const bool nan_differs = std::string(op) == "Relu" || std::string(op) == "Exp";
    Tensor x(DataType::kFloat32, {64, 32});
    const size_t period = special.size() - (nan_differs ? 1 : 0);
    for (int64_t i = 0; i < x.numel(); ++i)
      x.data<float>()[i] = special[static_cast<size_t>(i) % period];
    NodeRun run;
    run.op_type = op;
    run.opset = 20;
    run.inputs = {x};
    ExpectLikeReference(CreateEltwise, run, true);
    if (nan_differs) {
      x.data<float>()[0] = nan;
      RunResult r = RunWithFactory(CreateEltwise, run);
      ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      EXPECT_EQ(r.outputs[0].data<float>()[0], std::string(op) == "Relu" ? 0.0f : inf);
    }
  }
}

TEST(DnnlEltwise, ComBerthGeluMatchesOnnxGelu) {
  NodeRun run;
  run.op_type = "Gelu";
  run.domain = "com.berth";
  run.opset = 1;
  run.attributes = {{"approximate", StringAttr("tanh")}};
  run.inputs = {RandomTensor({128, 3072}, 3, -8, 8)};
  RunResult r = RunWithFactory(CreateEltwise, run);
  ASSERT_TRUE(r.status.ok() && !r.declined) << r.status.ToString();
  NodeRun ref = run;
  ref.domain = "";
  ref.opset = 20;
  RunResult expected = RunReference(ref);
  ASSERT_TRUE(expected.status.ok()) << expected.status.ToString();
  EXPECT_EQ(CompareTensors(r.outputs[0], expected.outputs[0], 1e-4, 1e-5), "");

  run.attributes = {{"approximate", StringAttr("bogus")}};
  EXPECT_TRUE(RunWithFactory(CreateEltwise, run).declined);
}

TEST(DnnlClip, BoundsFromInputsAndAttributes) {
  NodeRun run;
  run.op_type = "Clip";
  run.opset = 13;
  run.inputs = {RandomTensor({50, 60}, 4, -3, 3), Tensor::Scalar<float>(-0.5f),
                Tensor::Scalar<float>(1.25f)};
  ExpectLikeReference(CreateClip, run, true);
  run.inputs = {RandomTensor({50, 60}, 4, -3, 3), Value(), Tensor::Scalar<float>(0.25f)};  // no min
  ExpectLikeReference(CreateClip, run, true);
  run.inputs = {RandomTensor({50, 60}, 4, -3, 3)};  // no bounds at all
  ExpectLikeReference(CreateClip, run, true);

  NodeRun old;
  old.op_type = "Clip";
  old.opset = 6;
  old.attributes = {{"min", FloatAttr(-1.0f)}, {"max", FloatAttr(0.5f)}};
  old.inputs = {RandomTensor({50, 60}, 5, -3, 3)};
  ExpectLikeReference(CreateClip, old, true);
}

TEST(DnnlEltwise, NonFloatInputsGoToTheReference) {
  NodeRun run;
  run.op_type = "Relu";
  run.opset = 14;
  Tensor x(DataType::kInt32, {2000});
  for (int i = 0; i < 2000; ++i) x.data<int32_t>()[i] = i - 1000;
  run.inputs = {x};
  ExpectLikeReference(CreateEltwise, run, false);
}

}  // namespace
}  // namespace berth::dnnl_dense
