#include "engine/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace berth {
namespace {

TEST(ThreadPoolTest, ParallelForCoversEveryItemOnce) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{7}, int64_t{1000}, int64_t{100003}}) {
      std::vector<std::atomic<int>> seen(static_cast<size_t>(n));
      pool.ParallelFor(n, /*cost_per_item=*/1000, [&](int64_t begin, int64_t end) {
        ASSERT_LE(0, begin);
        ASSERT_LE(begin, end);
        ASSERT_LE(end, n);
        for (int64_t i = begin; i < end; ++i) seen[static_cast<size_t>(i)]++;
      });
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(seen[static_cast<size_t>(i)].load(), 1) << "item " << i;
    }
  }
}

TEST(ThreadPoolTest, SmallWorkStaysOnTheCallingThread) {
  ThreadPool pool(4);
  std::set<std::thread::id> ids;
  std::mutex mu;
  pool.ParallelFor(10, 1, [&](int64_t, int64_t) {
    std::lock_guard<std::mutex> lock(mu);
    ids.insert(std::this_thread::get_id());
  });
  EXPECT_EQ(ids, std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST(ThreadPoolTest, ExceptionsReachTheCaller) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.ParallelFor(1 << 20, 100, [](int64_t begin, int64_t) {
    if (begin == 0) throw std::runtime_error("boom");
  }),
               std::runtime_error);
}

TEST(ThreadPoolTest, PhysicalCoresArePositive) { EXPECT_GE(PhysicalCoreCount(), 1); }

TEST(ThreadGrantTest, ConcurrentGrantsShareTheBudget) {
  const int cores = PhysicalCoreCount();
  const int free_before = FreeThreadBudget();
  {
    ThreadGrant a(cores + 5);  // never more than the budget
    EXPECT_LE(a.threads(), std::max(1, free_before));
    EXPECT_GE(a.threads(), 1);
    ThreadGrant b(cores);  // what is left, but at least the calling thread
    EXPECT_EQ(b.threads(), std::max(1, free_before - a.threads()));
    EXPECT_EQ(FreeThreadBudget(), free_before - a.threads() - b.threads());
  }
  EXPECT_EQ(FreeThreadBudget(), free_before);
  ThreadGrant one(1);
  EXPECT_EQ(one.threads(), 1);
}

}  // namespace
}  // namespace berth
