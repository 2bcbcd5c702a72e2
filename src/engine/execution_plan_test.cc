// Provider selection in the planner, and per-node profiling.
#include "engine/execution_plan.h"

#include <gtest/gtest.h>

#include "engine/kernel_registry.h"

namespace berth {
namespace {

class ConstantKernel : public OpKernel {
 public:
  explicit ConstantKernel(float v) : v_(v) {}
  Status Compute(KernelContext& ctx) const override {
    ctx.AllocateOutput(0, DataType::kFloat32, {1})->data<float>()[0] = v_;
    return Status::Ok();
  }

 private:
  float v_;
};

// "fast" takes nodes with attribute take=1, declines the rest; "slow" takes everything.
StatusOr<std::unique_ptr<OpKernel>> CreateFast(const KernelInfo& info) {
  if (info.GetInt("take", 0) == 0) return DeclineNode();
  if (info.GetInt("take", 0) == 2) return InvalidArgument(info.NodeLabel() + ": bad node");
  return MakeKernel<ConstantKernel>(1.f);
}
StatusOr<std::unique_ptr<OpKernel>> CreateSlow(const KernelInfo&) { return MakeKernel<ConstantKernel>(2.f); }

std::shared_ptr<Graph> OneNodeGraph(int64_t take) {
  auto g = std::make_shared<Graph>();
  g->opsets = {{"", 17}};
  Node n;
  n.name = "n";
  n.op_type = "Thing";
  n.outputs = {"y"};
  Attribute a;
  a.type = Attribute::Type::kInt;
  a.i = take;
  n.attributes["take"] = a;
  g->nodes.push_back(n);
  ValueInfo out;
  out.name = "y";
  g->outputs.push_back(out);
  return g;
}

KernelRegistry TwoProviders() {
  KernelRegistry r;
  r.set_provider("fast");
  r.Register("", "Thing", CreateFast);
  r.set_provider("slow");
  r.Register("", "Thing", CreateSlow);
  return r;
}

TEST(ExecutionPlanTest, FirstProviderThatAcceptsRunsTheNode) {
  KernelRegistry r = TwoProviders();
  EXPECT_EQ(r.FindAll("", "Thing", 17).size(), 2u);
  EXPECT_EQ(r.Find("ai.onnx", "Thing", 17)->provider, "fast");
  for (int64_t take : {0, 1}) {
    auto plan = ExecutionPlan::Build(OneNodeGraph(take), r, {});
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_EQ((*plan)->NodeProviders(), std::vector<std::string>{take ? "fast" : "slow"});
    RunState run;
    auto out = (*plan)->Execute({}, {}, {}, &run);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ((*out)[0].tensor().data<float>()[0], take ? 1.f : 2.f);
  }
}

TEST(ExecutionPlanTest, FactoryErrorIsNotADecline) {
  KernelRegistry r = TwoProviders();
  auto plan = ExecutionPlan::Build(OneNodeGraph(2), r, {});
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("bad node"), std::string::npos);
}

TEST(ExecutionPlanTest, EveryProviderDecliningIsAnError) {
  KernelRegistry r;
  r.set_provider("fast");
  r.Register("", "Thing", CreateFast);
  auto plan = ExecutionPlan::Build(OneNodeGraph(0), r, {});
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("tried fast"), std::string::npos) << plan.status().ToString();
}

TEST(ExecutionPlanTest, ProfilingCountsCallsPerNode) {
  KernelRegistry r = TwoProviders();
  auto plan = ExecutionPlan::Build(OneNodeGraph(1), r, {});
  ASSERT_TRUE(plan.ok());
  RunState run;
  run.profile = true;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*plan)->Execute({}, {}, {}, &run).ok());
  RunState quiet;
  ASSERT_TRUE((*plan)->Execute({}, {}, {}, &quiet).ok());
  std::vector<NodeProfile> profile = (*plan)->Profile();
  ASSERT_EQ(profile.size(), 1u);
  EXPECT_EQ(profile[0].node_name, "n");
  EXPECT_EQ(profile[0].op_type, "Thing");
  EXPECT_EQ(profile[0].provider, "fast");
  EXPECT_EQ(profile[0].calls, 3);
  EXPECT_GE(profile[0].total_us, 0);
}

}  // namespace
}  // namespace berth
