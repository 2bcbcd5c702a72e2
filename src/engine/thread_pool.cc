#include "engine/thread_pool.h"

namespace berth {

// Placeholder until the OpenMP-backed implementation lands: serial.
void ThreadPool::ParallelFor(int64_t n, int64_t cost_per_item, const std::function<void(int64_t, int64_t)>& fn) const {
  (void)cost_per_item;
  if (n > 0) fn(0, n);
}

}  // namespace berth
