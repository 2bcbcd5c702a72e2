#pragma once
// Scheduler: the per-model-version queue between the front ends and the model (Triton's default
// scheduler and dynamic batcher in one). Requests are queued by priority level; `instances` worker
// threads (instance_group count) take work from the queue and run it through one shared
// ExecuteFn (Session::Run, which is thread-safe: the instances share one copy of the weights).
//
// With dynamic batching (max_batch_size > 0 and a dynamic_batching block), a worker combines queued
// requests whose inputs agree except in dimension 0 into one run of at most max_batch_size rows,
// then splits every output back along dimension 0. It runs a batch as soon as it is full (max batch
// size or the largest preferred size), cannot grow (the next request does not fit or cannot be
// batched with it), holds every queued request and that makes a preferred size, or its oldest
// request has waited max_queue_delay_microseconds; with preferred_batch_size it cuts the batch at
// the largest preferred size it holds.
//
// Queue policy (dynamic_batching.default_queue_policy / priority_queue_policy):
//   - max_queue_size: a request arriving at a full queue is rejected at once with ResourceExhausted;
//   - default_timeout_microseconds and the request's own timeout (which may only shorten a non-zero
//     default, and applies unless allow_timeout_override is false and a default is set): a request
//     still queued at its deadline is rejected with DeadlineExceeded without running (timeout_action
//     REJECT), or moved behind every request that has not timed out (DELAY);
//   - priority_levels: level 1 is served first; a request's priority 0 means default_priority_level.
// preserve_ordering: completions are delivered in the order requests were accepted.
//
// Lifetime: the destructor stops accepting (Enqueue answers Unavailable), lets the workers run what
// is queued, and joins them. It may run on a worker thread (a completion dropping the last reference
// to the model that owns the scheduler): that worker is detached and exits on its own.
//
// Thread-safety: Enqueue and the accessors may be called from any number of threads. Completions
// run on worker threads, never under the scheduler's locks, and must not block for long.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "berth/status.h"
#include "repository/model_config.pb.h"
#include "scheduler/batching.h"

namespace berth {

struct QueuePolicy {
  bool delay_on_timeout = false;  // timeout_action DELAY (else REJECT)
  int64_t default_timeout_us = 0;  // 0: none
  bool allow_timeout_override = false;
  int64_t max_queue_size = 0;  // 0: unbounded
};

struct SchedulerConfig {
  std::string model_name;
  std::string version;
  int instances = 1;
  int64_t max_batch_size = 0;
  bool dynamic_batching = false;  // only with max_batch_size > 0
  std::vector<int64_t> preferred_batch_sizes;  // ascending
  int64_t max_queue_delay_us = 0;
  bool preserve_ordering = false;
  int64_t priority_levels = 0;  // 0: one level
  int64_t default_priority_level = 0;
  QueuePolicy default_policy;
  std::map<int64_t, QueuePolicy> level_policies;  // by priority level

  // From a completed ModelConfig (instance_group counts summed). InvalidArgument naming the field for
  // inconsistent settings (e.g. default_priority_level outside 1..priority_levels).
  static StatusOr<SchedulerConfig> FromModelConfig(const inference::ModelConfig& config, const std::string& version);
};

struct SchedulerRequest {
  NamedValues inputs;  // checked against the model already; what the model is fed
  int64_t priority = 0;     // 0: the default level
  int64_t timeout_us = 0;   // 0: the policy's default
  std::chrono::steady_clock::time_point arrival = std::chrono::steady_clock::now();
  // The caller may run the model itself: when nothing is queued, an instance is idle and the model
  // neither batches nor preserves ordering, Enqueue executes the request on the calling thread and
  // calls `done` before returning (for cheap models the hand-off to a worker costs more than the run).
  // A direct request that finds every instance busy with a direct run queues without waking the
  // worker: that run takes it when it finishes (up to 8 such requests), so it may complete on another
  // caller's thread.
  bool allow_direct = false;
};

struct SchedulerResult {
  std::vector<Value> outputs;  // every model output, this request's rows only
  int64_t queue_us = 0;        // from Enqueue until its batch started
  int64_t compute_us = 0;      // running (and combining/splitting) the batch it was part of
  int64_t batch_rows = 1;      // rows in that batch (1 without batching)
  int64_t batch_requests = 1;  // requests in that batch
};

using SchedulerDone = std::function<void(StatusOr<SchedulerResult>)>;
using ExecuteFn = std::function<StatusOr<std::vector<Value>>(const NamedValues& inputs)>;

// Observers for metrics; each may be empty. on_execute runs on a worker thread without locks held;
// on_queue_change may run under the scheduler's lock and must not call back into the scheduler.
struct SchedulerHooks {
  std::function<void(int64_t rows, int64_t requests)> on_execute;  // once per model execution
  std::function<void(int64_t delta)> on_queue_change;             // requests waiting, +/- delta
};

class Scheduler {
 public:
  // `output_names` name the values ExecuteFn returns, in order (for error messages).
  static StatusOr<std::unique_ptr<Scheduler>> Create(SchedulerConfig config, ExecuteFn execute,
                                                     std::vector<std::string> output_names,
                                                     SchedulerHooks hooks = {});
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues a request. Ok: `done` will be called exactly once, on a worker thread (or, for a direct
  // run, on the calling thread before Enqueue returns). Error (queue full:
  // ResourceExhausted; priority out of range: InvalidArgument; stopping: Unavailable): `done` is
  // not called and nothing was queued.
  Status Enqueue(SchedulerRequest request, SchedulerDone done);

  int64_t QueuedRequests() const;
  const SchedulerConfig& config() const;

  struct State;  // shared with the worker threads (public for the .cc's helpers only)

 private:
  Scheduler() = default;
  std::shared_ptr<State> state_;
  std::vector<std::thread> workers_;  // one per instance, plus one that rejects at deadlines
};

// Threads one Session::Run may use so that `instances` concurrent runs do not oversubscribe `cores`:
// 0 (the session's default: one per core) for a single instance, else max(1, cores / instances).
int IntraOpThreadsFor(int instances, int cores);

}  // namespace berth
