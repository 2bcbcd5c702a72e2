#pragma once
// Intra-op parallelism for kernels. A run gets a ThreadPool view with the number of threads it was
// granted from the process-wide budget (so concurrent runs do not oversubscribe the cores); kernels
// split work with ParallelFor. oneDNN primitives use the same threads (OpenMP runtime).

#include <cstdint>
#include <functional>

namespace berth {

class ThreadPool {
 public:
  explicit ThreadPool(int num_threads) : num_threads_(num_threads < 1 ? 1 : num_threads) {}
  int num_threads() const { return num_threads_; }

  // Calls fn(begin, end) on disjoint chunks covering [0, n). `cost_per_item` is a rough count of
  // scalar operations per item: small total work runs on the calling thread only.
  void ParallelFor(int64_t n, int64_t cost_per_item, const std::function<void(int64_t, int64_t)>& fn) const;

 private:
  int num_threads_;
};

// Serial when pool is null.
inline void ParallelFor(const ThreadPool* pool, int64_t n, int64_t cost_per_item,
                        const std::function<void(int64_t, int64_t)>& fn) {
  if (pool == nullptr) {
    if (n > 0) fn(0, n);
    return;
  }
  pool->ParallelFor(n, cost_per_item, fn);
}

}  // namespace berth
