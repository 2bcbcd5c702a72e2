#include "scheduler/scheduler.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>

namespace berth {

namespace {

using Clock = std::chrono::steady_clock;

int64_t Micros(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
}

QueuePolicy FromProto(const inference::ModelQueuePolicy& proto) {
  QueuePolicy policy;
  policy.delay_on_timeout = proto.timeout_action() == inference::ModelQueuePolicy::DELAY;
  policy.default_timeout_us = static_cast<int64_t>(std::min<uint64_t>(proto.default_timeout_microseconds(),
                                                                      uint64_t{1} << 62));
  policy.allow_timeout_override = proto.allow_timeout_override();
  policy.max_queue_size = proto.max_queue_size();
  return policy;
}

// One accepted request while it waits.
struct Pending {
  SchedulerRequest request;
  SchedulerDone done;
  std::string key;  // BatchKey; "" when it cannot be batched with others
  int64_t rows = 1;
  Clock::time_point deadline = Clock::time_point::max();
  uint64_t seq = 0;
};

}  // namespace

struct Scheduler::State {
  SchedulerConfig config;
  ExecuteFn execute;
  std::vector<std::string> output_names;
  SchedulerHooks hooks;

  mutable std::mutex mutex;
  std::condition_variable wake;                  // work arrived, or stopping
  std::condition_variable reaper_wake;           // a request with a deadline arrived, or stopping
  std::vector<std::deque<Pending>> levels;       // guarded by mutex; [0] is priority level 1
  std::deque<Pending> delayed;                   // guarded by mutex; timed out under DELAY
  int64_t queued = 0;                            // guarded by mutex
  int busy = 0;                                  // executions running (workers + direct); guarded by mutex
  int direct_runners = 0;                        // direct runs that will take queued direct work; guarded by mutex
  bool stopping = false;                         // guarded by mutex
  uint64_t next_seq = 0;                         // guarded by mutex

  // preserve_ordering: completions parked until every earlier one is delivered.
  std::mutex order_mutex;
  std::map<uint64_t, std::pair<SchedulerDone, StatusOr<SchedulerResult>>> parked;  // guarded by order_mutex
  uint64_t next_delivery = 0;                                                      // guarded by order_mutex
  bool delivering = false;                                                         // guarded by order_mutex

  std::string Who() const { return "model '" + config.model_name + "' version " + config.version; }

  const QueuePolicy& PolicyFor(size_t level_index) const {
    auto it = config.level_policies.find(static_cast<int64_t>(level_index) + 1);
    return it != config.level_policies.end() ? it->second : config.default_policy;
  }

  void QueueChanged(int64_t delta) const {
    if (hooks.on_queue_change && delta != 0) hooks.on_queue_change(delta);
  }

  // Hands a finished request's outcome to its caller (in acceptance order with preserve_ordering).
  // Called without `mutex` held.
  void Complete(Pending pending, StatusOr<SchedulerResult> result) {
    if (!config.preserve_ordering) {
      pending.done(std::move(result));
      return;
    }
    {
      std::lock_guard lock(order_mutex);
      parked.emplace(pending.seq, std::make_pair(std::move(pending.done), std::move(result)));
      if (delivering) return;  // the thread delivering will reach it
      delivering = true;
    }
    while (true) {
      std::vector<std::pair<SchedulerDone, StatusOr<SchedulerResult>>> due;
      {
        std::lock_guard lock(order_mutex);
        while (!parked.empty() && parked.begin()->first == next_delivery) {
          due.push_back(std::move(parked.begin()->second));
          parked.erase(parked.begin());
          ++next_delivery;
        }
        if (due.empty()) {
          delivering = false;
          return;
        }
      }
      for (auto& [done, outcome] : due) done(std::move(outcome));
    }
  }

  // Removes the requests whose deadline has passed (REJECT) or moves them behind the rest (DELAY).
  std::vector<Pending> ExpireLocked(Clock::time_point now) {
    std::vector<Pending> expired;
    for (size_t level = 0; level < levels.size(); ++level) {
      std::deque<Pending>& queue = levels[level];
      if (std::none_of(queue.begin(), queue.end(), [&](const Pending& p) { return p.deadline <= now; })) continue;
      const bool delay = PolicyFor(level).delay_on_timeout;
      std::deque<Pending> keep;
      for (Pending& p : queue) {
        if (p.deadline > now) {
          keep.push_back(std::move(p));
        } else if (delay) {
          p.deadline = Clock::time_point::max();
          delayed.push_back(std::move(p));
        } else {
          expired.push_back(std::move(p));
        }
      }
      queue.swap(keep);
    }
    queued -= static_cast<int64_t>(expired.size());
    return expired;
  }

  Clock::time_point EarliestDeadlineLocked() const {
    Clock::time_point earliest = Clock::time_point::max();
    for (const std::deque<Pending>& queue : levels) {
      for (const Pending& p : queue) earliest = std::min(earliest, p.deadline);
    }
    return earliest;
  }

  // The queued requests in service order: priority levels, then the delayed ones.
  template <typename Fn>
  void ForEachQueuedLocked(Fn fn) {
    for (std::deque<Pending>& queue : levels) {
      for (Pending& p : queue) {
        if (!fn(p)) return;
      }
    }
    for (Pending& p : delayed) {
      if (!fn(p)) return;
    }
  }

  std::vector<Pending> TakeFrontLocked(size_t count) {
    std::vector<Pending> taken;
    for (std::deque<Pending>& queue : levels) {
      while (taken.size() < count && !queue.empty()) {
        taken.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    while (taken.size() < count && !delayed.empty()) {
      taken.push_back(std::move(delayed.front()));
      delayed.pop_front();
    }
    queued -= static_cast<int64_t>(taken.size());
    return taken;
  }

  // The request TakeFrontLocked(1) would take, or null.
  const Pending* FrontLocked() const {
    for (const std::deque<Pending>& queue : levels) {
      if (!queue.empty()) return &queue.front();
    }
    return delayed.empty() ? nullptr : &delayed.front();
  }

  // Decides what to run next (see the header). Empty: wait until *wake_at (or new work).
  std::vector<Pending> NextBatchLocked(Clock::time_point now, Clock::time_point* wake_at) {
    *wake_at = Clock::time_point::max();
    if (queued == 0) return {};
    if (!config.dynamic_batching) return TakeFrontLocked(1);

    const Pending* first = nullptr;
    size_t count = 0;
    int64_t rows = 0;
    size_t preferred_count = 0;  // longest prefix whose rows are a preferred batch size
    bool closed = false;         // the batch cannot grow
    ForEachQueuedLocked([&](Pending& p) {
      if (first == nullptr) {
        first = &p;
        if (p.key.empty() || p.rows >= config.max_batch_size) {
          count = 1;
          closed = true;
          return false;
        }
      } else if (p.key != first->key || rows + p.rows > config.max_batch_size) {
        closed = true;
        return false;
      }
      ++count;
      rows += p.rows;
      if (std::binary_search(config.preferred_batch_sizes.begin(), config.preferred_batch_sizes.end(), rows)) {
        preferred_count = count;
      }
      return true;
    });
    const bool full = rows >= config.max_batch_size ||
                      (!config.preferred_batch_sizes.empty() && rows >= config.preferred_batch_sizes.back());
    const Clock::time_point oldest_due =
        first->request.arrival + std::chrono::microseconds(config.max_queue_delay_us);
    // Everything queued fits and makes a preferred size: nothing more is waiting to join, so run now
    // rather than hold a preferred batch for the delay.
    const bool preferred_now = preferred_count == count && count > 0 && !closed && static_cast<int64_t>(count) == queued;
    if (!(full || closed || preferred_now || stopping || now >= oldest_due)) {
      *wake_at = oldest_due;
      return {};
    }
    if (preferred_count > 0 && preferred_count < count) count = preferred_count;
    return TakeFrontLocked(count);
  }

  // Runs one batch and completes its requests. Called without `mutex` held.
  void Run(std::vector<Pending> batch) {
    const Clock::time_point start = Clock::now();
    std::vector<int64_t> rows;
    std::vector<const NamedValues*> inputs;
    int64_t total_rows = 0;
    for (const Pending& p : batch) {
      rows.push_back(p.rows);
      total_rows += p.rows;
      inputs.push_back(&p.request.inputs);
    }

    std::vector<std::vector<Value>> outputs(batch.size());
    Status failure;
    StatusOr<NamedValues> combined = ConcatenateBatch(inputs);
    if (!combined.ok()) {
      failure = combined.status();
    } else {
      StatusOr<std::vector<Value>> ran = Internal("");
      try {
        ran = execute(*combined);
      } catch (const std::exception& e) {
        ran = Internal(Who() + ": " + e.what());
      }
      if (hooks.on_execute) hooks.on_execute(config.dynamic_batching ? total_rows : batch.front().rows,
                                             static_cast<int64_t>(batch.size()));
      if (!ran.ok()) {
        failure = ran.status();
      } else if (batch.size() == 1) {
        outputs[0] = std::move(ran).value();
      } else {
        for (size_t o = 0; o < ran->size() && failure.ok(); ++o) {
          const std::string name = o < output_names.size() ? output_names[o] : "#" + std::to_string(o);
          StatusOr<std::vector<Value>> parts = SplitBatch(name, (*ran)[o], rows);
          if (!parts.ok()) {
            failure = parts.status().WithContext(Who());
            break;
          }
          for (size_t i = 0; i < batch.size(); ++i) outputs[i].push_back(std::move((*parts)[i]));
        }
      }
    }
    const int64_t compute_us = Micros(start, Clock::now());
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!failure.ok()) {
        Complete(std::move(batch[i]), failure);
        continue;
      }
      SchedulerResult result;
      result.outputs = std::move(outputs[i]);
      result.queue_us = Micros(batch[i].request.arrival, start);
      result.compute_us = compute_us;
      result.batch_rows = config.dynamic_batching ? total_rows : batch[i].rows;
      result.batch_requests = static_cast<int64_t>(batch.size());
      Complete(std::move(batch[i]), std::move(result));
    }
  }

  void Reject(std::vector<Pending> expired) {
    QueueChanged(-static_cast<int64_t>(expired.size()));
    const Clock::time_point now = Clock::now();
    for (Pending& p : expired) {
      int64_t waited = Micros(p.request.arrival, now);
      Status status = DeadlineExceeded(Who() + ": request timed out after " + std::to_string(waited) +
                                       " us in the queue (timeout " +
                                       std::to_string(Micros(p.request.arrival, p.deadline)) + " us)");
      Complete(std::move(p), status);
    }
  }

  // Rejects requests at their deadline even while every instance is busy (workers only look at the
  // queue between executions).
  static void ReaperLoop(std::shared_ptr<State> self) {
    State& s = *self;
    std::unique_lock lock(s.mutex);
    while (!s.stopping) {
      std::vector<Pending> expired = s.ExpireLocked(Clock::now());
      if (!expired.empty()) {
        lock.unlock();
        s.Reject(std::move(expired));
        lock.lock();
        continue;
      }
      Clock::time_point next = s.EarliestDeadlineLocked();
      if (next == Clock::time_point::max()) {
        s.reaper_wake.wait(lock);
      } else {
        s.reaper_wake.wait_until(lock, next);
      }
    }
  }

  static void WorkerLoop(std::shared_ptr<State> self) {
    State& s = *self;
    std::unique_lock lock(s.mutex);
    while (true) {
      Clock::time_point now = Clock::now();
      std::vector<Pending> expired = s.ExpireLocked(now);
      if (!expired.empty()) {
        lock.unlock();
        s.Reject(std::move(expired));
        lock.lock();
        continue;
      }
      if (s.queued == 0) {
        if (s.stopping) return;
        s.wake.wait(lock);
        continue;
      }
      if (s.busy >= s.config.instances) {  // an instance is lent to a direct run (Enqueue)
        s.wake.wait_until(lock, s.EarliestDeadlineLocked());
        continue;
      }
      Clock::time_point wake_at;
      std::vector<Pending> batch = s.NextBatchLocked(now, &wake_at);
      if (batch.empty()) {
        s.wake.wait_until(lock, std::min(wake_at, s.EarliestDeadlineLocked()));
        continue;
      }
      const int64_t taken = static_cast<int64_t>(batch.size());
      ++s.busy;
      lock.unlock();
      s.QueueChanged(-taken);
      s.Run(std::move(batch));
      lock.lock();
      --s.busy;
    }
  }
};

StatusOr<SchedulerConfig> SchedulerConfig::FromModelConfig(const inference::ModelConfig& config,
                                                           const std::string& version) {
  SchedulerConfig out;
  out.model_name = config.name();
  out.version = version;
  int64_t instances = 0;
  for (const inference::ModelInstanceGroup& group : config.instance_group()) instances += std::max(group.count(), 0);
  if (instances > 256) {
    return InvalidArgument("config.pbtxt: instance_group asks for " + std::to_string(instances) +
                           " instances (at most 256)");
  }
  out.instances = static_cast<int>(std::max<int64_t>(instances, 1));
  out.max_batch_size = config.max_batch_size();
  if (!config.has_dynamic_batching()) return out;

  const inference::ModelDynamicBatching& batching = config.dynamic_batching();
  out.dynamic_batching = out.max_batch_size > 0;
  for (int32_t size : batching.preferred_batch_size()) out.preferred_batch_sizes.push_back(size);
  std::sort(out.preferred_batch_sizes.begin(), out.preferred_batch_sizes.end());
  out.preferred_batch_sizes.erase(std::unique(out.preferred_batch_sizes.begin(), out.preferred_batch_sizes.end()),
                                  out.preferred_batch_sizes.end());
  constexpr uint64_t kMaxDelayUs = uint64_t{3600} * 1000 * 1000;
  if (batching.max_queue_delay_microseconds() > kMaxDelayUs) {
    return InvalidArgument("config.pbtxt: dynamic_batching max_queue_delay_microseconds " +
                           std::to_string(batching.max_queue_delay_microseconds()) + " is more than an hour");
  }
  out.max_queue_delay_us = static_cast<int64_t>(batching.max_queue_delay_microseconds());
  out.preserve_ordering = batching.preserve_ordering();
  if (batching.priority_levels() > 1000) {
    return InvalidArgument("config.pbtxt: dynamic_batching priority_levels " +
                           std::to_string(batching.priority_levels()) + " is more than 1000");
  }
  out.priority_levels = static_cast<int64_t>(batching.priority_levels());
  out.default_policy = FromProto(batching.default_queue_policy());
  if (out.priority_levels > 0) {
    uint64_t level = batching.default_priority_level();
    if (level < 1 || level > batching.priority_levels()) {
      return InvalidArgument("config.pbtxt: dynamic_batching default_priority_level " + std::to_string(level) +
                             " must be between 1 and priority_levels " + std::to_string(out.priority_levels));
    }
    out.default_priority_level = static_cast<int64_t>(level);
  }
  for (const auto& [level, policy] : batching.priority_queue_policy()) {
    if (level < 1 || level > batching.priority_levels()) {
      return InvalidArgument("config.pbtxt: dynamic_batching priority_queue_policy for level " + std::to_string(level) +
                             " outside 1..priority_levels (" + std::to_string(out.priority_levels) + ")");
    }
    out.level_policies[static_cast<int64_t>(level)] = FromProto(policy);
  }
  return out;
}

StatusOr<std::unique_ptr<Scheduler>> Scheduler::Create(SchedulerConfig config, ExecuteFn execute,
                                                       std::vector<std::string> output_names, SchedulerHooks hooks) {
  if (!execute) return InvalidArgument("scheduler needs an execute function");
  if (config.instances < 1) return InvalidArgument("scheduler needs at least one instance");
  if (config.max_batch_size <= 0) config.dynamic_batching = false;
  std::unique_ptr<Scheduler> scheduler(new Scheduler());
  auto state = std::make_shared<State>();
  state->levels.resize(static_cast<size_t>(std::max<int64_t>(config.priority_levels, 1)));
  state->config = std::move(config);
  state->execute = std::move(execute);
  state->output_names = std::move(output_names);
  state->hooks = std::move(hooks);
  scheduler->state_ = state;
  for (int i = 0; i < state->config.instances; ++i) {
    scheduler->workers_.emplace_back(&State::WorkerLoop, state);
  }
  scheduler->workers_.emplace_back(&State::ReaperLoop, state);
  return scheduler;
}

Scheduler::~Scheduler() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  state_->reaper_wake.notify_all();
  for (std::thread& worker : workers_) {
    if (worker.get_id() == std::this_thread::get_id()) {
      worker.detach();  // we are running on it: it sees `stopping` and returns once this returns
    } else if (worker.joinable()) {
      worker.join();
    }
  }
}

Status Scheduler::Enqueue(SchedulerRequest request, SchedulerDone done) {
  // A direct run's completion may drop the last reference to the model owning this scheduler:
  // the state must outlive that (the Scheduler object itself is not touched after it).
  const std::shared_ptr<State> self = state_;
  State& s = *self;
  const SchedulerConfig& config = s.config;
  size_t level_index = 0;
  if (config.priority_levels > 0) {
    int64_t level = request.priority == 0 ? config.default_priority_level : request.priority;
    if (level < 1 || level > config.priority_levels) {
      return InvalidArgument("priority " + std::to_string(request.priority) + " is outside 1.." +
                             std::to_string(config.priority_levels) + " (priority_levels of model '" +
                             config.model_name + "')");
    }
    level_index = static_cast<size_t>(level - 1);
  }
  const QueuePolicy& policy = s.PolicyFor(level_index);
  int64_t timeout_us = policy.default_timeout_us;
  if (request.timeout_us > 0 &&
      (timeout_us == 0 || (policy.allow_timeout_override && request.timeout_us < timeout_us))) {
    timeout_us = request.timeout_us;
  }

  Pending pending;
  bool wake_worker = true;
  if (config.dynamic_batching) pending.key = BatchKey(request.inputs, &pending.rows);
  if (pending.key.empty()) pending.rows = 1;
  if (timeout_us > 0) pending.deadline = request.arrival + std::chrono::microseconds(timeout_us);
  pending.request = std::move(request);
  pending.done = std::move(done);
  {
    std::unique_lock lock(s.mutex);
    if (s.stopping) return Unavailable(s.Who() + " is being unloaded");
    // Direct run: nothing is waiting and an instance is idle, so queueing would only add two thread
    // wake-ups (here -> worker -> caller's completion). Not with dynamic batching (the request may
    // be worth waiting for company) or preserve_ordering (completion order is the workers' job).
    if (pending.request.allow_direct && s.queued == 0 && s.busy < config.instances &&
        !config.dynamic_batching && !config.preserve_ordering) {
      ++s.busy;
      ++s.direct_runners;
      pending.seq = s.next_seq++;
      lock.unlock();
      std::vector<Pending> batch;
      batch.push_back(std::move(pending));
      s.Run(std::move(batch));
      lock.lock();
      // Combining: direct requests that queued behind this run (another thread found every instance
      // busy) run here too, a few at most, rather than waking the worker for each: for a model that
      // answers in microseconds the two thread wake-ups cost more than the run (bench/serve).
      constexpr int kMaxCombined = 8;
      for (int combined = 0; combined < kMaxCombined && !s.stopping; ++combined) {
        const Pending* front = s.FrontLocked();
        if (front == nullptr || !front->request.allow_direct || front->deadline <= Clock::now()) break;
        std::vector<Pending> next = s.TakeFrontLocked(1);
        lock.unlock();
        s.QueueChanged(-1);
        s.Run(std::move(next));
        lock.lock();
      }
      --s.direct_runners;
      --s.busy;
      const bool worker_needed = s.queued > 0;
      lock.unlock();
      if (worker_needed) s.wake.notify_one();
      return Status::Ok();
    }
    std::deque<Pending>& queue = s.levels[level_index];
    if (policy.max_queue_size > 0 && static_cast<int64_t>(queue.size()) >= policy.max_queue_size) {
      return ResourceExhausted("model '" + config.model_name + "' queue is full (max_queue_size " +
                               std::to_string(policy.max_queue_size) + ")");
    }
    pending.seq = s.next_seq++;
    // A direct run in progress takes direct work when it finishes (or wakes the worker then).
    wake_worker = !(pending.request.allow_direct && s.direct_runners > 0);
    queue.push_back(std::move(pending));
    ++s.queued;
    s.QueueChanged(1);  // under the lock: a worker's -1 cannot come first
  }
  if (wake_worker) s.wake.notify_one();
  if (timeout_us > 0) s.reaper_wake.notify_one();
  return Status::Ok();
}

int64_t Scheduler::QueuedRequests() const {
  std::lock_guard lock(state_->mutex);
  return state_->queued;
}

const SchedulerConfig& Scheduler::config() const { return state_->config; }

int IntraOpThreadsFor(int instances, int cores) {
  if (instances <= 1) return 0;
  return std::max(1, cores / instances);
}

}  // namespace berth
