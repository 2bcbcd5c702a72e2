// Transpose on oneDNN's reorder against the reference kernel: every permutation of a 4-D tensor,
// the default (reversed) permutation, and the fallback for small and invalid cases.

#include "providers/dnnl/transpose.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/testing/op_tester.h"
#include "providers/dnnl/eltwise.h"
#include "providers/dnnl/eltwise_testing.h"

namespace berth::dnnl_dense {
namespace {

using berth::testing::CompareTensors;
using berth::testing::IntsAttr;
using testing::NodeRun;
using testing::RandomTensor;
using testing::RunReference;
using testing::RunResult;
using testing::RunWithFactory;

void ExpectSameAsReference(const NodeRun& run) {
  RunResult r = RunWithFactory(CreateTranspose, run);
  ASSERT_FALSE(r.declined);
  RunResult ref = RunReference(run);
  ASSERT_EQ(r.status.ok(), ref.status.ok()) << r.status.ToString() << " vs " << ref.status.ToString();
  if (!ref.status.ok()) return;
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(CompareTensors(r.outputs[0], ref.outputs[0], 0, 0), "");  // a copy: bit-exact
}

TEST(DnnlTranspose, EveryPermutationMatchesReference) {
  std::vector<int64_t> perm = {0, 1, 2, 3};
  do {
    SCOPED_TRACE(::testing::PrintToString(perm));
    NodeRun run;
    run.op_type = "Transpose";
    run.attributes["perm"] = IntsAttr(perm);
    run.inputs = {RandomTensor({2, 12, 16, 24}, 3)};
    ExpectSameAsReference(run);
  } while (std::next_permutation(perm.begin(), perm.end()));
}

TEST(DnnlTranspose, DefaultPermutationSmallTensorsAndBadPermutations) {
  NodeRun run;
  run.op_type = "Transpose";
  run.inputs = {RandomTensor({64, 96}, 4)};
  ExpectSameAsReference(run);  // no perm: dimensions reversed
  run.inputs = {RandomTensor({3, 5}, 5)};
  ExpectSameAsReference(run);  // small: the reference loop
  run.inputs = {RandomTensor({64, 96}, 6)};
  run.attributes["perm"] = IntsAttr({0, 0});
  ExpectSameAsReference(run);  // invalid: the reference reports it
}

}  // namespace
}  // namespace berth::dnnl_dense
