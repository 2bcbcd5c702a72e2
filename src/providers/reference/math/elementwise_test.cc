#include "providers/reference/math/elementwise.h"

#include <gtest/gtest.h>

namespace berth::math {
namespace {

// Expands a plan back into per-element input offsets, to compare with the plain definition.
std::vector<std::vector<int64_t>> Offsets(const BroadcastPlan& plan, size_t num_inputs) {
  std::vector<std::vector<int64_t>> result(static_cast<size_t>(plan.out_numel()));
  plan.ForEachRun([&](int64_t o, const int64_t* off) {
    for (int64_t i = 0; i < plan.inner(); ++i) {
      for (size_t k = 0; k < num_inputs; ++k) {
        result[static_cast<size_t>(o + i)].push_back(off[k] + i * plan.step(k));
      }
    }
  });
  return result;
}

// Offsets the textbook way: per output index, per input, sum of index * stride over kept dims.
std::vector<std::vector<int64_t>> NaiveOffsets(const Shape& out, const std::vector<Shape>& inputs) {
  std::vector<std::vector<int64_t>> result;
  const int64_t n = NumElements(out);
  for (int64_t flat = 0; flat < n; ++flat) {
    Shape index(out.size());
    int64_t rem = flat;
    for (size_t d = out.size(); d-- > 0;) {
      index[d] = rem % out[d];
      rem /= out[d];
    }
    std::vector<int64_t> offs;
    for (const Shape& s : inputs) {
      int64_t off = 0, stride = 1;
      for (size_t j = s.size(); j-- > 0;) {
        size_t d = j + out.size() - s.size();
        if (s[j] != 1) off += index[d] * stride;
        stride *= s[j];
      }
      offs.push_back(off);
    }
    result.push_back(offs);
  }
  return result;
}

void CheckPlan(const std::vector<Shape>& inputs, const Shape& expected_out) {
  auto plan = BroadcastPlan::Create(inputs, "test");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->out_shape(), expected_out);
  EXPECT_EQ(Offsets(*plan, inputs.size()), NaiveOffsets(expected_out, inputs));
}

TEST(BroadcastPlanTest, SameShapeIsOneRun) {
  auto plan = BroadcastPlan::Create({{2, 3, 4}, {2, 3, 4}}, "test");
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->inner(), 24);
  EXPECT_EQ(plan->step(0), 1);
  EXPECT_EQ(plan->step(1), 1);
  CheckPlan({{2, 3, 4}, {2, 3, 4}}, {2, 3, 4});
}

TEST(BroadcastPlanTest, ScalarOperandIsOneRun) {
  auto plan = BroadcastPlan::Create({{2, 3}, {}}, "test");
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->inner(), 6);
  EXPECT_EQ(plan->step(1), 0);
  CheckPlan({{2, 3}, {}}, {2, 3});
  CheckPlan({{1}, {2, 3}}, {2, 3});
}

TEST(BroadcastPlanTest, BiasAddRunsOverTheSpatialDims) {
  auto plan = BroadcastPlan::Create({{2, 3, 4, 5}, {3, 1, 1}}, "test");
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->inner(), 20);
  EXPECT_EQ(plan->step(0), 1);
  EXPECT_EQ(plan->step(1), 0);
  CheckPlan({{2, 3, 4, 5}, {3, 1, 1}}, {2, 3, 4, 5});
  auto trailing = BroadcastPlan::Create({{2, 7, 16}, {16}}, "test");
  ASSERT_TRUE(trailing.ok());
  EXPECT_EQ(trailing->inner(), 16);
  CheckPlan({{2, 7, 16}, {16}}, {2, 7, 16});
}

TEST(BroadcastPlanTest, GeneralShapes) {
  CheckPlan({{3, 1}, {1, 4}}, {3, 4});
  CheckPlan({{2, 1, 3, 1}, {4, 1, 5}}, {2, 4, 3, 5});
  CheckPlan({{1, 1}, {1}}, {1, 1});
  CheckPlan({{}, {}}, {});
  CheckPlan({{2, 1, 4}, {1, 3, 1}, {2, 3, 4}}, {2, 3, 4});
  CheckPlan({{5}, {2, 1}, {3, 1, 1}}, {3, 2, 5});
}

TEST(BroadcastPlanTest, EmptyAndIncompatible) {
  auto empty = BroadcastPlan::Create({{0, 3}, {3}}, "test");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->out_shape(), (Shape{0, 3}));
  int runs = 0;
  empty->ForEachRun([&](int64_t, const int64_t*) { ++runs; });
  EXPECT_EQ(runs, 0);
  auto bad = BroadcastPlan::Create({{2, 3}, {4}}, "node 'x' (Add)");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("node 'x' (Add)"), std::string::npos);
}

TEST(ElementwiseTest, SaturatingCast) {
  EXPECT_EQ(SaturatingCast<int8_t>(1000.0), 127);
  EXPECT_EQ(SaturatingCast<int8_t>(-1000.0), -128);
  EXPECT_EQ(SaturatingCast<int32_t>(std::nan("")), 0);
  EXPECT_EQ(SaturatingCast<int64_t>(1e30), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(SaturatingCast<int32_t>(-2.7), -2);
}

}  // namespace
}  // namespace berth::math
