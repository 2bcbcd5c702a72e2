// Softmax and LogSoftmax on oneDNN against the reference kernel.

#include <gtest/gtest.h>

#include "engine/testing/op_tester.h"
#include "providers/dnnl/eltwise.h"
#include "providers/dnnl/eltwise_testing.h"

namespace berth::dnnl_dense {
namespace {

using berth::testing::CompareTensors;
using berth::testing::IntAttr;
using testing::NodeRun;
using testing::RandomTensor;
using testing::RunReference;
using testing::RunResult;
using testing::RunWithFactory;

TEST(DnnlSoftmax, MatchesReferenceOnEveryAxisAndOpsetRule) {
  const Shape shape = {3, 12, 40, 7};
  uint32_t seed = 1;
  for (const char* op : {"Softmax", "LogSoftmax"}) {
    for (int opset : {11, 13}) {
      for (int64_t axis = -4; axis < 4; ++axis) {
        SCOPED_TRACE(std::string(op) + " opset " + std::to_string(opset) + " axis " +
                     std::to_string(axis));
        NodeRun run;
        run.op_type = op;
        run.opset = opset;
        run.attributes = {{"axis", IntAttr(axis)}};
        run.inputs = {RandomTensor(shape, ++seed, -20, 20)};
        RunResult expected = RunReference(run);
        ASSERT_TRUE(expected.status.ok()) << expected.status.ToString();
        const int64_t before = ThreadExecutionCount();
        RunResult r = RunWithFactory(CreateSoftmax, run);
        ASSERT_FALSE(r.declined);
        ASSERT_TRUE(r.status.ok()) << r.status.ToString();
        EXPECT_GT(ThreadExecutionCount(), before);
        EXPECT_EQ(CompareTensors(r.outputs[0], expected.outputs[0], 1e-4, 1e-5), "");
      }
    }
  }
}

TEST(DnnlSoftmax, SmallEmptyAndBadAxisGoToTheReference) {
  for (const Shape& shape : {Shape{2, 3}, Shape{0, 4000}}) {
    NodeRun run;
    run.op_type = "Softmax";
    run.opset = 13;
    run.inputs = {RandomTensor(shape, 5)};
    const int64_t before = ThreadExecutionCount();
    RunResult r = RunWithFactory(CreateSoftmax, run);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(ThreadExecutionCount(), before);
    EXPECT_EQ(r.outputs[0].shape(), shape);
  }
  NodeRun bad;
  bad.op_type = "Softmax";
  bad.opset = 13;
  bad.attributes = {{"axis", IntAttr(5)}};
  bad.inputs = {RandomTensor({40, 50}, 5)};
  RunResult r = RunWithFactory(CreateSoftmax, bad);
  EXPECT_FALSE(r.status.ok());
}

}  // namespace
}  // namespace berth::dnnl_dense
