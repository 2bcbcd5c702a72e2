// ResponseCache: exact keys, verification, LRU within the byte budget.
#include "scheduler/response_cache.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

NamedValues Inputs(float value, int64_t n = 4) {
  return {{"x", Value(Tensor::FromVector<float>({n}, std::vector<float>(static_cast<size_t>(n), value)))}};
}

NamedValues Outputs(float value, int64_t n = 4) {
  return {{"y", Value(Tensor::FromVector<float>({n}, std::vector<float>(static_cast<size_t>(n), value)))}};
}

TEST(CacheKeyMaterial, DiffersInEveryPart) {
  const std::string base = CacheKeyMaterial("m", 1, 7, Inputs(1), {"y"});
  EXPECT_EQ(base, CacheKeyMaterial("m", 1, 7, Inputs(1), {"y"}));
  EXPECT_NE(base, CacheKeyMaterial("n", 1, 7, Inputs(1), {"y"}));
  EXPECT_NE(base, CacheKeyMaterial("m", 2, 7, Inputs(1), {"y"}));
  EXPECT_NE(base, CacheKeyMaterial("m", 1, 8, Inputs(1), {"y"}));
  EXPECT_NE(base, CacheKeyMaterial("m", 1, 7, Inputs(2), {"y"}));
  EXPECT_NE(base, CacheKeyMaterial("m", 1, 7, Inputs(1), {"z"}));
  EXPECT_NE(base, CacheKeyMaterial("m", 1, 7, Inputs(1), {}));
  // Same bytes, other shape.
  NamedValues reshaped = {{"x", Value(Inputs(1)[0].second.tensor().Reshaped({2, 2}))}};
  EXPECT_NE(base, CacheKeyMaterial("m", 1, 7, reshaped, {"y"}));
  // Same bytes, other type.
  NamedValues as_int = {{"x", Value(Tensor::FromVector<int32_t>({4}, {1065353216, 1065353216, 1065353216, 1065353216}))}};
  EXPECT_NE(base, CacheKeyMaterial("m", 1, 7, as_int, {"y"}));
}

TEST(ResponseCache, HitReturnsTheStoredOutputsByteForByte) {
  ResponseCache cache(1 << 20);
  const std::string key = CacheKeyMaterial("m", 1, 1, Inputs(1), {"y"});
  EXPECT_FALSE(cache.Lookup(key).has_value());
  NamedValues outputs = Outputs(3.5f);
  EXPECT_EQ(cache.Insert(key, outputs), 0);
  outputs[0].second.tensor().data<float>()[0] = -1;  // the cache keeps its own copy
  auto hit = cache.Lookup(key);
  ASSERT_TRUE(hit.has_value());
  EXPECT_TRUE((*hit)[0].second.tensor().IdenticalTo(Outputs(3.5f)[0].second.tensor()));
  EXPECT_FALSE(cache.Lookup(CacheKeyMaterial("m", 1, 1, Inputs(2), {"y"})).has_value());
  EXPECT_EQ(cache.entries(), 1);
  EXPECT_GT(cache.size_bytes(), 0);
}

TEST(ResponseCache, EvictsLeastRecentlyUsedWithinTheBudget) {
  const std::string k1 = CacheKeyMaterial("m", 1, 1, Inputs(1, 256), {});
  const std::string k2 = CacheKeyMaterial("m", 1, 1, Inputs(2, 256), {});
  const std::string k3 = CacheKeyMaterial("m", 1, 1, Inputs(3, 256), {});
  ResponseCache probe(1 << 20);
  probe.Insert(k1, Outputs(1, 256));
  const int64_t entry_bytes = probe.size_bytes();

  ResponseCache cache(entry_bytes * 2 + entry_bytes / 2);  // room for two
  EXPECT_EQ(cache.Insert(k1, Outputs(1, 256)), 0);
  EXPECT_EQ(cache.Insert(k2, Outputs(2, 256)), 0);
  ASSERT_TRUE(cache.Lookup(k1).has_value());  // k1 now most recent
  EXPECT_EQ(cache.Insert(k3, Outputs(3, 256)), 1);
  EXPECT_TRUE(cache.Lookup(k1).has_value());
  EXPECT_FALSE(cache.Lookup(k2).has_value());
  EXPECT_TRUE(cache.Lookup(k3).has_value());
  EXPECT_LE(cache.size_bytes(), cache.capacity_bytes());

  ResponseCache tiny(entry_bytes / 2);
  EXPECT_EQ(tiny.Insert(k1, Outputs(1, 256)), 0);
  EXPECT_EQ(tiny.entries(), 0);  // larger than the whole budget: not stored
}

TEST(ResponseCache, StringOutputs) {
  ResponseCache cache(1 << 20);
  const std::string key = CacheKeyMaterial("m", 1, 1, Inputs(1), {});
  NamedValues outputs = {{"s", Value(Tensor::FromVector<std::string>({2}, {"a", std::string(100, 'b')}))}};
  cache.Insert(key, outputs);
  auto hit = cache.Lookup(key);
  ASSERT_TRUE(hit.has_value());
  EXPECT_TRUE((*hit)[0].second.tensor().IdenticalTo(outputs[0].second.tensor()));
}

}  // namespace
}  // namespace berth
