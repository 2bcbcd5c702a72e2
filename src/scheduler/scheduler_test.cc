// Scheduler without a model or network: a fake ExecuteFn (identity, with a gate to hold executions)
// shows batching, splitting, queue policy, priorities, ordering, instances and shutdown.
#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <random>
#include <thread>

namespace berth {
namespace {

using namespace std::chrono_literals;

// Identity "model": returns its inputs. Holds executions while the gate is closed.
class FakeModel {
 public:
  ExecuteFn Fn() {
    return [this](const NamedValues& inputs) -> StatusOr<std::vector<Value>> {
      int now = ++running_;
      int seen = max_running_.load();
      while (now > seen && !max_running_.compare_exchange_weak(seen, now)) {
      }
      {
        std::unique_lock lock(mutex_);
        rows_.push_back(inputs.empty() ? 0 : inputs[0].second.tensor().dim(0));
        if (!inputs.empty() && inputs[0].second.tensor().numel() > 0) {
          first_values_.push_back(inputs[0].second.tensor().data<float>()[0]);
        }
        ++started_;
        changed_.notify_all();
        changed_.wait(lock, [this] { return open_; });
      }
      if (sleep_.count() > 0) std::this_thread::sleep_for(sleep_);
      --running_;
      if (fail_) return Internal("fake failure");
      std::vector<Value> outputs;
      for (const auto& [name, value] : inputs) outputs.push_back(value);
      return outputs;
    };
  }
  void Close() {
    std::lock_guard lock(mutex_);
    open_ = false;
  }
  void Open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  // Waits until `n` executions have started.
  bool WaitStarted(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return started_ >= n; });
  }
  std::vector<int64_t> rows() {
    std::lock_guard lock(mutex_);
    return rows_;
  }
  std::vector<float> first_values() {
    std::lock_guard lock(mutex_);
    return first_values_;
  }
  int max_running() const { return max_running_.load(); }

  std::chrono::milliseconds sleep_{0};
  bool fail_ = false;

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = true;
  int started_ = 0;
  std::vector<int64_t> rows_;
  std::vector<float> first_values_;
  std::atomic<int> running_{0};
  std::atomic<int> max_running_{0};
};

// Collects completions; Wait() blocks until `n` arrived.
class Completions {
 public:
  SchedulerDone Add(int id) {
    return [this, id](StatusOr<SchedulerResult> result) {
      std::lock_guard lock(mutex_);
      order_.push_back(id);
      results_.emplace(id, std::move(result));
      changed_.notify_all();
    };
  }
  bool Wait(size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return results_.size() >= n; });
  }
  StatusOr<SchedulerResult>& at(int id) {
    std::lock_guard lock(mutex_);
    return results_.at(id);
  }
  std::vector<int> order() {
    std::lock_guard lock(mutex_);
    return order_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<int, StatusOr<SchedulerResult>> results_;
  std::vector<int> order_;
};

SchedulerRequest Request(int64_t rows, float first, int64_t cols = 3) {
  std::vector<float> values;
  for (int64_t i = 0; i < rows * cols; ++i) values.push_back(first + static_cast<float>(i));
  SchedulerRequest request;
  request.inputs = {{"x", Value(Tensor::FromVector<float>({rows, cols}, values))}};
  return request;
}

// No batching: each request runs alone, on one of `instances` instances.
SchedulerConfig Unbatched(int instances) {
  SchedulerConfig config;
  config.model_name = "m";
  config.instances = instances;
  return config;
}

SchedulerConfig Batching(int64_t max_batch, int64_t delay_us, int instances = 1) {
  SchedulerConfig config;
  config.model_name = "m";
  config.version = "1";
  config.instances = instances;
  config.max_batch_size = max_batch;
  config.dynamic_batching = true;
  config.max_queue_delay_us = delay_us;
  return config;
}

std::unique_ptr<Scheduler> Make(SchedulerConfig config, FakeModel& model, SchedulerHooks hooks = {}) {
  auto scheduler = Scheduler::Create(std::move(config), model.Fn(), {"x"}, std::move(hooks));
  EXPECT_TRUE(scheduler.ok()) << scheduler.status().ToString();
  return scheduler.ok() ? std::move(scheduler).value() : nullptr;
}

// Property: random batch sizes from concurrent clients come back exactly as sent (the identity
// model), however they were combined; and batches really were combined.
TEST(Scheduler, RandomBatchesFromConcurrentClientsSplitBackExactly) {
  FakeModel model;
  model.sleep_ = 2ms;
  std::atomic<int64_t> executions{0};
  SchedulerHooks hooks;
  hooks.on_execute = [&](int64_t rows, int64_t) {
    EXPECT_LE(rows, 8);
    ++executions;
  };
  auto scheduler = Make(Batching(8, 2000, 2), model, hooks);
  constexpr int kClients = 8, kPerClient = 25;
  std::vector<std::thread> clients;
  std::atomic<int> mismatches{0}, failures{0};
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      std::mt19937 rng(static_cast<unsigned>(c));
      for (int i = 0; i < kPerClient; ++i) {
        int64_t rows = 1 + static_cast<int64_t>(rng() % 4);
        SchedulerRequest request = Request(rows, static_cast<float>(c * 1000 + i * 10));
        Tensor sent = request.inputs[0].second.tensor();
        auto promise = std::make_shared<std::promise<StatusOr<SchedulerResult>>>();
        auto future = promise->get_future();
        Status queued = scheduler->Enqueue(std::move(request),
                                           [promise](StatusOr<SchedulerResult> r) { promise->set_value(std::move(r)); });
        if (!queued.ok()) {
          ++failures;
          continue;
        }
        StatusOr<SchedulerResult> result = future.get();
        if (!result.ok() || result->outputs.size() != 1 || !result->outputs[0].tensor().IdenticalTo(sent)) {
          ++mismatches;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_LT(executions.load(), kClients * kPerClient) << "no request was ever batched";
}

TEST(Scheduler, WaitsForTheQueueDelayThenRunsWhatItHas) {
  FakeModel model;
  auto scheduler = Make(Batching(8, 100'000), model);
  Completions done;
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(scheduler->Enqueue(Request(1, 0), done.Add(0)).ok());
  ASSERT_TRUE(scheduler->Enqueue(Request(2, 10), done.Add(1)).ok());
  ASSERT_TRUE(done.Wait(2));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
  EXPECT_EQ(model.rows(), (std::vector<int64_t>{3}));
  EXPECT_EQ(done.at(1)->batch_rows, 3);
  EXPECT_EQ(done.at(1)->batch_requests, 2);
  EXPECT_GE(done.at(0)->queue_us, 100'000);
}

TEST(Scheduler, PreferredBatchSizesCutBatchesWithoutWaitingForTheDelay) {
  FakeModel model;
  model.Close();
  SchedulerConfig config = Batching(8, 5'000'000);
  config.preferred_batch_sizes = {2, 4};
  auto scheduler = Make(config, model);
  Completions done;
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(scheduler->Enqueue(Request(8, 0), done.Add(0)).ok());  // full: runs at once
  ASSERT_TRUE(model.WaitStarted(1));
  for (int i = 1; i <= 4; ++i) ASSERT_TRUE(scheduler->Enqueue(Request(1, 10.0f * i), done.Add(i)).ok());
  ASSERT_TRUE(scheduler->Enqueue(Request(2, 50), done.Add(5)).ok());
  model.Open();
  ASSERT_TRUE(done.Wait(6));
  // 6 rows queued: cut at the largest preferred size (4); the 2 left are a preferred size with
  // nothing else waiting, so they do not wait for the 5 s delay either.
  EXPECT_EQ(model.rows(), (std::vector<int64_t>{8, 4, 2}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

TEST(Scheduler, WithoutAPreferredSizeAPartialBatchWaitsForTheDelay) {
  FakeModel model;
  SchedulerConfig config = Batching(8, 150'000);
  config.preferred_batch_sizes = {4};
  auto scheduler = Make(config, model);
  Completions done;
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(scheduler->Enqueue(Request(3, 0), done.Add(0)).ok());
  ASSERT_TRUE(done.Wait(1));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
}

TEST(Scheduler, FullBatchRunsAtOnceAndTheRestWaits) {
  FakeModel model;
  model.Close();
  auto scheduler = Make(Batching(4, 0), model);
  Completions done;
  ASSERT_TRUE(scheduler->Enqueue(Request(1, 0), done.Add(0)).ok());
  ASSERT_TRUE(model.WaitStarted(1));
  // While the instance is busy: 3 + 2 rows fit, the next 3 would not, a different width cannot join.
  ASSERT_TRUE(scheduler->Enqueue(Request(3, 10), done.Add(1)).ok());
  ASSERT_TRUE(scheduler->Enqueue(Request(1, 20), done.Add(2)).ok());
  ASSERT_TRUE(scheduler->Enqueue(Request(3, 30), done.Add(3)).ok());
  ASSERT_TRUE(scheduler->Enqueue(Request(1, 40, 5), done.Add(4)).ok());
  model.Open();
  ASSERT_TRUE(done.Wait(5));
  EXPECT_EQ(model.rows(), (std::vector<int64_t>{1, 4, 3, 1}));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(done.at(i).ok()) << i;
  EXPECT_EQ(done.at(4)->outputs[0].tensor().shape(), (Shape{1, 5}));
}

TEST(Scheduler, QueueFullIsRejectedAtOnceNamingTheModel) {
  FakeModel model;
  model.Close();
  SchedulerConfig config = Batching(4, 0);
  config.default_policy.max_queue_size = 2;
  auto scheduler = Make(config, model);
  Completions done;
  ASSERT_TRUE(scheduler->Enqueue(Request(4, 0), done.Add(0)).ok());
  ASSERT_TRUE(model.WaitStarted(1));
  ASSERT_TRUE(scheduler->Enqueue(Request(4, 1), done.Add(1)).ok());
  ASSERT_TRUE(scheduler->Enqueue(Request(4, 2), done.Add(2)).ok());
  EXPECT_EQ(scheduler->QueuedRequests(), 2);
  Status full = scheduler->Enqueue(Request(4, 3), done.Add(3));
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(full.message(), "model 'm' queue is full (max_queue_size 2)");
  model.Open();
  ASSERT_TRUE(done.Wait(3));
  EXPECT_EQ(done.order().size(), 3u);
}

TEST(Scheduler, RequestsTimingOutInTheQueueAreRejectedWithoutRunning) {
  FakeModel model;
  model.Close();
  SchedulerConfig config = Batching(1, 0);
  auto scheduler = Make(config, model);
  Completions done;
  ASSERT_TRUE(scheduler->Enqueue(Request(1, 0), done.Add(0)).ok());
  ASSERT_TRUE(model.WaitStarted(1));
  SchedulerRequest short_timeout = Request(1, 1);
  short_timeout.timeout_us = 20'000;
  ASSERT_TRUE(scheduler->Enqueue(std::move(short_timeout), done.Add(1)).ok());
  ASSERT_TRUE(scheduler->Enqueue(Request(1, 2), done.Add(2)).ok());  // no timeout
  ASSERT_TRUE(done.Wait(1));  // the timeout fires while the instance is still busy
  EXPECT_EQ(done.order(), (std::vector<int>{1}));
  EXPECT_EQ(done.at(1).status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(done.at(1).status().message().find("model 'm' version 1: request timed out"), std::string::npos)
      << done.at(1).status().message();
  model.Open();
  ASSERT_TRUE(done.Wait(3));
  EXPECT_TRUE(done.at(2).ok());
  EXPECT_EQ(model.first_values(), (std::vector<float>{0, 2}));  // request 1 never ran
}

TEST(Scheduler, DefaultTimeoutAndOverrideRules) {
  FakeModel model;
  model.Close();
  SchedulerConfig config = Batching(1, 0);
  config.default_policy.default_timeout_us = 30'000;
  config.default_policy.allow_timeout_override = false;
  auto scheduler = Make(config, model);
  Completions done;
  ASSERT_TRUE(scheduler->Enqueue(Request(1, 0), done.Add(0)).ok());
  ASSERT_TRUE(model.WaitStarted(1));
  SchedulerRequest longer = Request(1, 1);
  longer.timeout_us = 60'000'000;  // ignored: no override allowed
  ASSERT_TRUE(scheduler->Enqueue(std::move(longer), done.Add(1)).ok());
  ASSERT_TRUE(done.Wait(1));
  EXPECT_EQ(done.at(1).status().code(), StatusCode::kDeadlineExceeded);
  model.Open();
  ASSERT_TRUE(done.Wait(2));
}

TEST(Scheduler, DelayActionMovesTimedOutRequestsBehindTheOthers) {
  FakeModel model;
  model.Close();
  SchedulerConfig config = Batching(1, 0);
  config.default_policy.delay_on_timeout = true;
  auto scheduler = Make(config, model);
  Completions done;
  ASSERT_TRUE(scheduler->Enqueue(Request(1, 0), done.Add(0)).ok());
  ASSERT_TRUE(model.WaitStarted(1));
  SchedulerRequest timed = Request(1, 1);
  timed.timeout_us = 1'000;
  ASSERT_TRUE(scheduler->Enqueue(std::move(timed), done.Add(1)).ok());
  std::this_thread::sleep_for(30ms);
  ASSERT_TRUE(scheduler->Enqueue(Request(1, 2), done.Add(2)).ok());
  model.Open();
  ASSERT_TRUE(done.Wait(3));
  EXPECT_TRUE(done.at(1).ok());
  EXPECT_EQ(model.first_values(), (std::vector<float>{0, 2, 1}));
}

TEST(Scheduler, HigherPriorityRunsFirst) {
  FakeModel model;
  model.Close();
  SchedulerConfig config = Batching(1, 0);
  config.priority_levels = 2;
  config.default_priority_level = 2;
  auto scheduler = Make(config, model);
  Completions done;
  ASSERT_TRUE(scheduler->Enqueue(Request(1, 0), done.Add(0)).ok());
  ASSERT_TRUE(model.WaitStarted(1));
  ASSERT_TRUE(scheduler->Enqueue(Request(1, 1), done.Add(1)).ok());  // default level 2
  SchedulerRequest urgent = Request(1, 2);
  urgent.priority = 1;
  ASSERT_TRUE(scheduler->Enqueue(std::move(urgent), done.Add(2)).ok());
  SchedulerRequest bad = Request(1, 3);
  bad.priority = 3;
  Status rejected = scheduler->Enqueue(std::move(bad), done.Add(3));
  EXPECT_EQ(rejected.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(rejected.message().find("priority 3 is outside 1..2"), std::string::npos) << rejected.message();
  model.Open();
  ASSERT_TRUE(done.Wait(3));
  EXPECT_EQ(model.first_values(), (std::vector<float>{0, 2, 1}));
}

TEST(Scheduler, InstancesRunConcurrently) {
  FakeModel model;
  model.sleep_ = 50ms;
  SchedulerConfig config = Unbatched(3);
  auto scheduler = Make(config, model);
  Completions done;
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(scheduler->Enqueue(Request(1, 0), done.Add(i)).ok());
  ASSERT_TRUE(done.Wait(6));
  EXPECT_EQ(model.max_running(), 3);
  EXPECT_EQ(model.rows().size(), 6u);  // no batching without dynamic_batching
}

TEST(Scheduler, DirectRunUsesTheCallersThreadOnlyWhenAnInstanceIsIdle) {
  FakeModel model;
  SchedulerConfig config = Unbatched(1);
  auto scheduler = Make(config, model);

  // Idle: the request runs on this thread and completes before Enqueue returns.
  std::thread::id ran_on;
  SchedulerRequest direct = Request(1, 5);
  direct.allow_direct = true;
  bool completed = false;
  ASSERT_TRUE(scheduler->Enqueue(std::move(direct), [&](StatusOr<SchedulerResult> result) {
    ran_on = std::this_thread::get_id();
    completed = result.ok();
  }).ok());
  EXPECT_TRUE(completed);
  EXPECT_EQ(ran_on, std::this_thread::get_id());

  // Busy (the only instance is held): a direct-allowed request queues instead of running beside it,
  // so the instance count still bounds concurrency.
  model.Close();
  Completions done;
  ASSERT_TRUE(scheduler->Enqueue(Request(1, 0), done.Add(0)).ok());
  ASSERT_TRUE(model.WaitStarted(2));
  SchedulerRequest second = Request(1, 1);
  second.allow_direct = true;
  ASSERT_TRUE(scheduler->Enqueue(std::move(second), done.Add(1)).ok());  // returns without running
  EXPECT_EQ(scheduler->QueuedRequests(), 1);
  model.Open();
  ASSERT_TRUE(done.Wait(2));
  EXPECT_EQ(model.max_running(), 1);
  EXPECT_TRUE(done.at(1).ok());
}

// A direct request that finds the instance busy with another direct run is taken by that run when it
// finishes (no worker wake-up), still one execution at a time; a request that may not run directly
// is left to the worker.
TEST(Scheduler, DirectRunTakesDirectRequestsQueuedBehindIt) {
  FakeModel model;
  SchedulerConfig config = Unbatched(1);
  auto scheduler = Make(config, model);
  model.Close();

  std::mutex mutex;
  std::map<int, std::thread::id> ran_on;
  Completions done;
  auto record = [&](int id) {
    SchedulerDone inner = done.Add(id);
    return [&, id, inner](StatusOr<SchedulerResult> result) {
      {
        std::lock_guard lock(mutex);
        ran_on[id] = std::this_thread::get_id();
      }
      inner(std::move(result));
    };
  };
  std::thread::id first_thread;
  std::thread first([&] {
    first_thread = std::this_thread::get_id();
    SchedulerRequest request = Request(1, 0);
    request.allow_direct = true;
    ASSERT_TRUE(scheduler->Enqueue(std::move(request), record(0)).ok());
  });
  ASSERT_TRUE(model.WaitStarted(1));
  SchedulerRequest direct = Request(1, 1);
  direct.allow_direct = true;
  ASSERT_TRUE(scheduler->Enqueue(std::move(direct), record(1)).ok());  // queues behind the direct run
  ASSERT_TRUE(scheduler->Enqueue(Request(1, 2), record(2)).ok());      // not direct: the worker's
  EXPECT_EQ(scheduler->QueuedRequests(), 2);
  model.Open();
  first.join();
  ASSERT_TRUE(done.Wait(3));
  EXPECT_EQ(model.max_running(), 1);
  for (int id = 0; id < 3; ++id) EXPECT_TRUE(done.at(id).ok()) << id;
  std::lock_guard lock(mutex);
  EXPECT_EQ(ran_on[0], first_thread);
  EXPECT_EQ(ran_on[1], first_thread);
  EXPECT_NE(ran_on[2], first_thread);
}

TEST(Scheduler, DirectRunIsNotUsedWithDynamicBatching) {
  FakeModel model;
  auto scheduler = Make(Batching(8, 1000), model);
  std::thread::id ran_on;
  std::promise<void> finished;
  SchedulerRequest request = Request(1, 0);
  request.allow_direct = true;
  ASSERT_TRUE(scheduler->Enqueue(std::move(request), [&](StatusOr<SchedulerResult>) {
    ran_on = std::this_thread::get_id();
    finished.set_value();
  }).ok());
  ASSERT_EQ(finished.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(Scheduler, PreserveOrderingDeliversInAcceptanceOrder) {
  FakeModel model;
  model.sleep_ = 20ms;
  SchedulerConfig config = Unbatched(4);
  config.preserve_ordering = true;
  auto scheduler = Make(config, model);
  Completions done;
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(scheduler->Enqueue(Request(1, 0), done.Add(i)).ok());
  ASSERT_TRUE(done.Wait(12));
  std::vector<int> expected(12);
  for (int i = 0; i < 12; ++i) expected[i] = i;
  EXPECT_EQ(done.order(), expected);
}

TEST(Scheduler, ExecutionFailureReachesEveryRequestOfTheBatch) {
  FakeModel model;
  model.Close();
  model.fail_ = true;
  auto scheduler = Make(Batching(8, 0), model);
  Completions done;
  ASSERT_TRUE(scheduler->Enqueue(Request(1, 0), done.Add(0)).ok());
  ASSERT_TRUE(model.WaitStarted(1));
  ASSERT_TRUE(scheduler->Enqueue(Request(1, 1), done.Add(1)).ok());
  ASSERT_TRUE(scheduler->Enqueue(Request(1, 2), done.Add(2)).ok());
  model.Open();
  ASSERT_TRUE(done.Wait(3));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(done.at(i).status().message(), "fake failure");
}

TEST(Scheduler, DestructionRunsWhatIsQueuedThenRejectsNewWork) {
  FakeModel model;
  model.Close();
  Completions done;
  auto scheduler = Make(Batching(1, 0), model);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(scheduler->Enqueue(Request(1, static_cast<float>(i)), done.Add(i)).ok());
  ASSERT_TRUE(model.WaitStarted(1));
  std::thread opener([&] {
    std::this_thread::sleep_for(20ms);
    model.Open();
  });
  scheduler.reset();  // blocks until the queue is drained
  opener.join();
  EXPECT_EQ(done.order().size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(done.at(i).ok());
}

TEST(Scheduler, DestructionFromItsOwnCompletionDoesNotDeadlock) {
  FakeModel model;
  auto holder = std::make_shared<std::unique_ptr<Scheduler>>(Make(Batching(1, 0, 2), model));
  auto finished = std::make_shared<std::promise<void>>();
  std::future<void> future = finished->get_future();
  Scheduler* raw = holder->get();
  ASSERT_TRUE(raw->Enqueue(Request(1, 0),
                           [holder, finished](StatusOr<SchedulerResult>) mutable {
                             holder->reset();  // the last owner goes away on a worker thread
                             finished->set_value();
                           })
                  .ok());
  holder.reset();
  EXPECT_EQ(future.wait_for(10s), std::future_status::ready);
}

TEST(SchedulerConfig, FromModelConfigReadsTritonFields) {
  inference::ModelConfig config;
  config.set_name("m");
  config.set_max_batch_size(16);
  config.add_instance_group()->set_count(2);
  config.add_instance_group()->set_count(1);
  auto* batching = config.mutable_dynamic_batching();
  batching->add_preferred_batch_size(8);
  batching->add_preferred_batch_size(4);
  batching->set_max_queue_delay_microseconds(500);
  batching->set_priority_levels(2);
  batching->set_default_priority_level(2);
  batching->mutable_default_queue_policy()->set_max_queue_size(7);
  (*batching->mutable_priority_queue_policy())[1].set_default_timeout_microseconds(99);
  auto parsed = SchedulerConfig::FromModelConfig(config, "3");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->instances, 3);
  EXPECT_TRUE(parsed->dynamic_batching);
  EXPECT_EQ(parsed->preferred_batch_sizes, (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(parsed->max_queue_delay_us, 500);
  EXPECT_EQ(parsed->default_policy.max_queue_size, 7);
  EXPECT_EQ(parsed->level_policies.at(1).default_timeout_us, 99);

  batching->set_default_priority_level(5);
  auto bad = SchedulerConfig::FromModelConfig(config, "3");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("default_priority_level 5"), std::string::npos);
}

TEST(IntraOpThreads, InstancesTimesThreadsFitTheCores) {
  EXPECT_EQ(IntraOpThreadsFor(1, 8), 0);
  EXPECT_EQ(IntraOpThreadsFor(2, 8), 4);
  EXPECT_EQ(IntraOpThreadsFor(3, 8), 2);
  EXPECT_EQ(IntraOpThreadsFor(4, 2), 1);
}

}  // namespace
}  // namespace berth
