#include "server/http/inline_policy.h"

#include <gtest/gtest.h>

namespace berth::http {
namespace {

TEST(InferTargetModelTest, FindsTheModelOfInferenceTargets) {
  EXPECT_EQ(InferTargetModel("/v2/models/tiny/infer"), "tiny");
  EXPECT_EQ(InferTargetModel("/v2/models/tiny/versions/3/infer"), "tiny");
  EXPECT_EQ(InferTargetModel("/v2/models/tiny/infer?x=1"), "tiny");
  EXPECT_EQ(InferTargetModel("/v2/models/tiny"), "");
  EXPECT_EQ(InferTargetModel("/v2/models/tiny/ready"), "");
  EXPECT_EQ(InferTargetModel("/v2/models//infer"), "");
  EXPECT_EQ(InferTargetModel("/v2/repository/models/tiny/load"), "");
  EXPECT_EQ(InferTargetModel(""), "");
}

TEST(InlinePolicyTest, UnmeasuredModelsGoToThePool) {
  InlinePolicy policy(200);
  EXPECT_FALSE(policy.ShouldInline("m", 100));
  policy.Record("m", 50);
  EXPECT_TRUE(policy.ShouldInline("m", 100));
  EXPECT_FALSE(policy.ShouldInline("other", 100));
}

TEST(InlinePolicyTest, SlowModelsAndLargeBodiesGoToThePool) {
  InlinePolicy policy(200, 1000);
  policy.Record("slow", 5000);
  EXPECT_FALSE(policy.ShouldInline("slow", 10));
  policy.Record("fast", 20);
  EXPECT_FALSE(policy.ShouldInline("fast", 1001));
  EXPECT_TRUE(policy.ShouldInline("fast", 1000));
}

TEST(InlinePolicyTest, AverageFollowsAModelThatTurnsSlow) {
  InlinePolicy policy(200);
  policy.Record("m", 10);
  int requests = 0;
  while (policy.ShouldInline("m", 0) && requests < 100) {
    policy.Record("m", 10000);
    ++requests;
  }
  EXPECT_FALSE(policy.ShouldInline("m", 0));
  EXPECT_LE(requests, 3);  // 10000 µs samples pull a 10 µs average over 200 µs within a few requests
  while (!policy.ShouldInline("m", 0) && requests < 200) {
    policy.Record("m", 10);
    ++requests;
  }
  EXPECT_TRUE(policy.ShouldInline("m", 0));  // and back once it is fast again
}

TEST(InlinePolicyTest, ZeroDisablesInlining) {
  InlinePolicy policy(0);
  policy.Record("m", 1);
  EXPECT_FALSE(policy.ShouldInline("m", 0));
}

TEST(InlinePolicyTest, ModelsUpToTheAloneBoundMayRunOnALoneConnectionsThread) {
  InlinePolicy policy(/*max_inline_us=*/200, 64 * 1024, /*max_alone_inline_us=*/50'000);
  EXPECT_FALSE(policy.ShouldRunAlone("resnet"));  // not measured yet
  policy.Record("resnet", 13'000);
  EXPECT_FALSE(policy.ShouldInline("resnet", 100));
  EXPECT_TRUE(policy.ShouldRunAlone("resnet"));
  policy.Record("bert", 900'000);
  EXPECT_FALSE(policy.ShouldRunAlone("bert"));
  InlinePolicy off(200, 64 * 1024, 0);
  off.Record("resnet", 13'000);
  EXPECT_FALSE(off.ShouldRunAlone("resnet"));
}

}  // namespace
}  // namespace berth::http
