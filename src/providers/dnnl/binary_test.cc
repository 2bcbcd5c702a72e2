// Add, Sub, Mul and Div on oneDNN against the reference kernels.

#include <gtest/gtest.h>

#include "engine/testing/op_tester.h"
#include "providers/dnnl/eltwise.h"
#include "providers/dnnl/eltwise_testing.h"

namespace berth::dnnl_dense {
namespace {

using berth::testing::CompareTensors;
using testing::NodeRun;
using testing::RandomTensor;
using testing::RunReference;
using testing::RunResult;
using testing::RunWithFactory;

TEST(DnnlBinary, MatchesReferenceWithBroadcasting) {
  struct Case {
    Shape a, b;
    bool dnnl;  // whether oneDNN should run it (else the reference does)
  };
  const std::vector<Case> cases = {
      {{2, 128, 768}, {2, 128, 768}, true},
      {{2, 128, 768}, {768}, true},
      {{2, 128, 768}, {}, true},
      {{768}, {2, 128, 768}, true},
      {{4, 12, 64, 64}, {4, 1, 1, 64}, true},
      {{4, 12, 64, 64}, {4, 12, 64, 1}, true},
      {{2, 3, 9, 11, 16}, {2, 3, 1, 1, 16}, true},  // nChw16c times a value per channel
      {{1, 1, 31, 13, 16}, {1, 1, 1, 1, 16}, true},  // the same with one channel block
      {{3, 1, 50}, {1, 40, 50}, false},  // both broadcast
      {{7, 9}, {7, 9}, false},           // small
  };
  uint32_t seed = 1;
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
    for (const Case& c : cases) {
      const bool commutative = std::string(op) == "Add" || std::string(op) == "Mul";
      const bool swapped = NumElements(c.a) < NumElements(c.b);
      SCOPED_TRACE(std::string(op) + " " + ShapeToString(c.a) + " " + ShapeToString(c.b));
      NodeRun run;
      run.op_type = op;
      run.opset = 14;
      run.inputs = {RandomTensor(c.a, ++seed, 0.5f, 2.0f), RandomTensor(c.b, ++seed, 0.5f, 2.0f)};
      RunResult expected = RunReference(run);
      ASSERT_TRUE(expected.status.ok()) << expected.status.ToString();
      const int64_t before = ThreadExecutionCount();
      RunResult r = RunWithFactory(CreateBinary, run);
      ASSERT_FALSE(r.declined);
      ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      EXPECT_EQ(ThreadExecutionCount() > before, c.dnnl && (commutative || !swapped));
      EXPECT_EQ(CompareTensors(r.outputs[0], expected.outputs[0], 1e-5, 1e-6), "");
    }
  }
}

TEST(DnnlBinary, IncompatibleShapesAreReported) {
  NodeRun run;
  run.op_type = "Add";
  run.opset = 14;
  run.inputs = {RandomTensor({30, 40}, 1), RandomTensor({30, 41}, 2)};
  RunResult r = RunWithFactory(CreateBinary, run);
  EXPECT_FALSE(r.status.ok());
}

}  // namespace
}  // namespace berth::dnnl_dense
