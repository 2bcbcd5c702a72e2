#include "engine/thread_pool.h"

#include <sched.h>
#include <unistd.h>

#include <cstdlib>

#include <algorithm>
#include <atomic>
#include <exception>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace berth {

namespace {

// Below this many scalar operations a parallel region costs more than it saves (waking a worker is a
// few microseconds).
constexpr int64_t kMinParallelCost = 1 << 15;

int ReadIntFile(const std::string& path) {
  std::ifstream in(path);
  int v = -1;
  if (!(in >> v)) return -1;
  return v;
}

int DetectPhysicalCores() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  bool have_mask = sched_getaffinity(0, sizeof(mask), &mask) == 0;
  std::set<std::pair<int, int>> cores;
  int logical = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (have_mask && !CPU_ISSET(cpu, &mask)) continue;
    std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    int core = ReadIntFile(dir + "core_id");
    int package = ReadIntFile(dir + "physical_package_id");
    if (core < 0 || package < 0) {
      if (have_mask) ++logical;
      continue;
    }
    ++logical;
    cores.emplace(package, core);
  }
  if (!cores.empty()) return static_cast<int>(cores.size());
  if (logical > 0) return logical;
  unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? static_cast<int>(hc) : 1;
}

std::atomic<int>& Budget() {
  static std::atomic<int> budget{PhysicalCoreCount()};
  return budget;
}

}  // namespace

int PhysicalCoreCount() {
  static const int cores = DetectPhysicalCores();
  return cores;
}

int FreeThreadBudget() { return Budget().load(); }

ThreadGrant::ThreadGrant(int wanted) {
  if (wanted < 1) wanted = 1;
  std::atomic<int>& budget = Budget();
  int free = budget.load();
  int take = 1;
  do {
    take = std::max(1, std::min(wanted, free));
  } while (!budget.compare_exchange_weak(free, free - take));
  threads_ = take;
#ifdef _OPENMP
  previous_omp_threads_ = omp_get_max_threads();
  omp_set_num_threads(threads_);
#endif
}

ThreadGrant::~ThreadGrant() {
  Budget().fetch_add(threads_);
#ifdef _OPENMP
  if (previous_omp_threads_ > 0) omp_set_num_threads(previous_omp_threads_);
#endif
}

int OpenMpMaxThreads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

void UseShortOpenMpSpin(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || argv == nullptr || argv[0] == nullptr) return;
  // A short spin (libgomp's unit: ~1000 polls, a few microseconds) before sleeping: oneDNN calls follow
  // each other within microseconds, and waking a sleeping partner for each one cost MobileNetV2 7.3 ->
  // 4.3 ms p50 and EfficientNet-B0 11.9 -> 8.0 ms on the idle 2-core target (spin 10000/100000 no
  // better). With more OpenMP threads than CPUs libgomp spins min(count, 1000) polls under ACTIVE but
  // not at all under PASSIVE: in `berth serve` (the loading thread's team plus the model's) that was
  // ResNet-18 p50 14.5 ms against 12.4 ms in `berth bench` on the same idle machine.
  if (setenv("OMP_WAIT_POLICY", "ACTIVE", 1) != 0) return;
  if (std::getenv("GOMP_SPINCOUNT") == nullptr) setenv("GOMP_SPINCOUNT", "1000", 1);
  execv("/proc/self/exe", argv);
  // exec failed (no /proc): carry on with libgomp's default policy.
}

void ThreadPool::ParallelFor(int64_t n, int64_t cost_per_item,
                             const std::function<void(int64_t, int64_t)>& fn) const {
  if (n <= 0) return;
  int threads = num_threads_;
  if (threads > n) threads = static_cast<int>(n);
  const int64_t cost = std::max<int64_t>(cost_per_item, 1);
  const bool small = cost < kMinParallelCost && n < (kMinParallelCost + cost - 1) / cost;  // n*cost < min
  if (threads <= 1 || small) {
    fn(0, n);
    return;
  }
#ifdef _OPENMP
  std::exception_ptr error;
  std::mutex error_mu;
#pragma omp parallel num_threads(threads)
  {
    const int64_t t = omp_get_thread_num();
    const int64_t nt = omp_get_num_threads();
    // Even split: the first n % nt chunks get one more item.
    const int64_t base = n / nt, extra = n % nt;
    const int64_t begin = t * base + std::min(t, extra);
    const int64_t end = begin + base + (t < extra ? 1 : 0);
    if (begin < end) {
      try {
        fn(begin, end);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
#else
  fn(0, n);
#endif
}

}  // namespace berth
