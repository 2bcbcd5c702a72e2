// LayerNormalization on oneDNN against the reference kernel.

#include <gtest/gtest.h>

#include "engine/testing/op_tester.h"
#include "providers/dnnl/eltwise.h"
#include "providers/dnnl/eltwise_testing.h"

namespace berth::dnnl_dense {
namespace {

using berth::testing::CompareTensors;
using berth::testing::FloatAttr;
using berth::testing::IntAttr;
using testing::NodeRun;
using testing::RandomTensor;
using testing::RunReference;
using testing::RunResult;
using testing::RunWithFactory;

TEST(DnnlLayerNorm, MatchesReferenceOverTrailingAxes) {
  struct Case {
    Shape x;
    int64_t axis;
    Shape scale;
    bool bias;
  };
  const std::vector<Case> cases = {
      {{2, 128, 768}, -1, {768}, true}, {{3, 5, 7}, -1, {7}, false}, {{3, 5, 7}, 1, {5, 7}, true},
      {{3, 5, 7}, 1, {1, 5, 7}, true},  {{4, 33}, 0, {4, 33}, true}, {{1, 1, 300}, 2, {300}, true},
  };
  uint32_t seed = 1;
  for (const Case& c : cases) {
    for (const char* domain : {"", "com.berth"}) {
      SCOPED_TRACE(ShapeToString(c.x) + " axis " + std::to_string(c.axis) + " domain '" + domain +
                   "'");
      NodeRun run;
      run.op_type = "LayerNormalization";
      run.domain = domain;
      run.opset = domain[0] ? 1 : 17;
      run.attributes = {{"axis", IntAttr(c.axis)}, {"epsilon", FloatAttr(1e-3f)}};
      run.inputs = {RandomTensor(c.x, ++seed, -4, 5), RandomTensor(c.scale, ++seed)};
      if (c.bias) run.inputs.push_back(RandomTensor(c.scale, ++seed));
      NodeRun ref = run;
      ref.domain = "";
      ref.opset = 17;
      RunResult expected = RunReference(ref);
      ASSERT_TRUE(expected.status.ok()) << expected.status.ToString();
      const int64_t before = ThreadExecutionCount();
      RunResult r = RunWithFactory(CreateLayerNormalization, run);
      ASSERT_FALSE(r.declined);
      ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      EXPECT_GT(ThreadExecutionCount(), before);
      EXPECT_EQ(CompareTensors(r.outputs[0], expected.outputs[0], 1e-4, 1e-5), "");
    }
  }
}

TEST(DnnlLayerNorm, BroadcastScaleFallsBackAndStatisticsOutputsDecline) {
  NodeRun run;
  run.op_type = "LayerNormalization";
  run.attributes = {{"axis", IntAttr(1)}};
  run.inputs = {RandomTensor({3, 4, 6}, 1), RandomTensor({1, 6}, 2)};  // broadcast within the block
  RunResult expected = RunReference(run);
  ASSERT_TRUE(expected.status.ok()) << expected.status.ToString();
  const int64_t before = ThreadExecutionCount();
  RunResult r = RunWithFactory(CreateLayerNormalization, run);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(ThreadExecutionCount(), before);
  EXPECT_EQ(CompareTensors(r.outputs[0], expected.outputs[0], 1e-5, 1e-6), "");

  run.inputs[1] = RandomTensor({4, 6}, 2);
  run.num_outputs = 3;
  EXPECT_TRUE(RunWithFactory(CreateLayerNormalization, run).declined);
}

}  // namespace
}  // namespace berth::dnnl_dense
