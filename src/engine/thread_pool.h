#pragma once
// Intra-op parallelism for kernels. A run gets a ThreadPool view with the number of threads it was
// granted from the process-wide budget (so concurrent runs do not oversubscribe the cores); kernels
// split work with ParallelFor. oneDNN primitives use the same threads (OpenMP runtime, libgomp: one set
// of worker threads per calling thread, shared by our ParallelFor and oneDNN's own parallel loops).
// Thread-safety: ThreadPool is immutable; ParallelFor may be called from any thread. The budget
// functions are thread-safe.

#include <cstdint>
#include <functional>

namespace berth {

class ThreadPool {
 public:
  explicit ThreadPool(int num_threads) : num_threads_(num_threads < 1 ? 1 : num_threads) {}
  int num_threads() const { return num_threads_; }

  // Calls fn(begin, end) on disjoint chunks covering [0, n). `cost_per_item` is a rough count of
  // scalar operations per item: small total work runs on the calling thread only. An exception thrown
  // by fn is rethrown on the calling thread (the first one, if several chunks throw).
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

// Physical cores this process may run on (affinity mask ∩ distinct (package, core) pairs from sysfs;
// std::thread::hardware_concurrency() when sysfs is unavailable). Detected once.
int PhysicalCoreCount();

// A share of the process-wide intra-op thread budget (PhysicalCoreCount() threads in all), held for
// the duration of one Session::Run. It takes min(wanted, free) threads but at least 1 (the calling
// thread always runs), gives them back on destruction, and sets the OpenMP thread count of the calling
// thread (which oneDNN reads) to the granted number while held.
class ThreadGrant {
 public:
  explicit ThreadGrant(int wanted);
  ~ThreadGrant();
  ThreadGrant(const ThreadGrant&) = delete;
  ThreadGrant& operator=(const ThreadGrant&) = delete;
  int threads() const { return threads_; }

 private:
  int threads_ = 1;
  int previous_omp_threads_ = 0;
};

// Threads currently not granted to any run (may be negative when more runs are active than cores).
int FreeThreadBudget();

// The OpenMP team size a parallel region (and so a oneDNN primitive) started on the calling thread
// would get now: the granted count inside Session::Run. oneDNN sizes per-thread scratch space when a
// primitive is created, so a primitive must not run with more threads than it was created for: kernels
// key their primitive caches on this. 1 when built without OpenMP.
int OpenMpMaxThreads();

// OpenMP wait policy. libgomp's default lets an idle worker spin for a long time after each parallel
// region; that is a little faster on an idle machine but a disaster when the cores are shared (other
// requests' runs, other processes): a spinning or descheduled partner stalls every barrier. Measured
// on the 2-core target while the machine was busy, ResNet-18 with 2 threads: p50 35-96 ms with
// OMP_WAIT_POLICY=PASSIVE against 153-528 ms with the default (ONNX Runtime 67-128 ms in the same
// minutes); MobileNetV2: 13-15 ms against 75-150 ms. A short spin before sleeping is still needed:
// oneDNN calls follow each other within microseconds (see thread_pool.cc). So Berth sets
// GOMP_SPINCOUNT=1000 with OMP_WAIT_POLICY=ACTIVE unless the user set a policy: libgomp caps the spin
// at that count either way, and ACTIVE (unlike PASSIVE) keeps it when the process has more OpenMP
// threads than CPUs, which a server always has (one team per thread that ever ran a model). libgomp
// reads the variables only when it is loaded, so this sets them and re-executes the program
// (/proc/self/exe with the same arguments); call it first thing in main(). Returns only if nothing
// needed doing or the exec failed (then the program goes on with the default policy).
void UseShortOpenMpSpin(char** argv);

}  // namespace berth
