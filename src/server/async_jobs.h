#pragma once
// Asynchronous inference jobs: submit returns a job id at once; the result is fetched later.
//
// For long-running or bursty work where a client cannot (or should not) hold a connection open for
// the whole inference. A job runs through InferenceServer::InferAsync, so the model's scheduler,
// queue limits, metrics and logs apply exactly as for a synchronous request.
//
// Bounded: at most `max_jobs` jobs exist at once (pending or finished and not yet expired); a submit
// beyond that is refused with ResourceExhausted. A finished job is kept for `ttl` after it finished,
// then forgotten (fetching it is NotFound); pending jobs never expire. Ids are 128 random bits, so
// one client cannot guess another's job.
// Thread-safety: every method may be called from any thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "berth/status.h"
#include "server/inference_server.h"

namespace berth {

struct AsyncJobOptions {
  size_t max_jobs = 1024;
  std::chrono::milliseconds ttl{std::chrono::minutes(10)};
};

enum class JobState { kPending, kSucceeded, kFailed };
std::string_view JobStateName(JobState state);  // "PENDING", "SUCCEEDED", "FAILED"

// What a caller sees of a job. `response` is set when the job succeeded, `error` when it failed.
struct JobSnapshot {
  std::string id;
  std::string model_name;
  int64_t model_version = kLatestVersion;  // as requested
  JobState state = JobState::kPending;
  std::chrono::system_clock::time_point submitted;
  std::optional<std::chrono::system_clock::time_point> finished;
  std::shared_ptr<const InferenceResponse> response;
  Status error;
  // Whatever the front end attached at submit time (e.g. how to encode the outputs).
  std::shared_ptr<const void> context;
};

class AsyncJobStore {
 public:
  AsyncJobStore(InferenceServer& server, AsyncJobOptions options);
  ~AsyncJobStore();  // waits for the pending jobs' callbacks

  // Starts `request`; returns the job id. ResourceExhausted when the store is full.
  StatusOr<std::string> Submit(InferenceRequest request, std::shared_ptr<const void> context = nullptr);
  // NotFound for unknown, deleted or expired ids. With wait > 0, waits up to that long for a
  // pending job to finish before answering.
  StatusOr<JobSnapshot> Get(const std::string& id,
                            std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  // Forgets a job (its result is discarded when it finishes). NotFound if unknown.
  Status Delete(const std::string& id);
  // Current jobs, oldest first.
  std::vector<JobSnapshot> List();
  size_t size();

 private:
  struct Job;
  void Finish(const std::string& id, StatusOr<InferenceResponse> result);
  void ExpireLocked(std::chrono::steady_clock::time_point now);
  std::string NewId();

  InferenceServer& server_;
  const AsyncJobOptions options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::unordered_map<std::string, std::shared_ptr<Job>> jobs_;  // guarded by mutex_
  int64_t callbacks_outstanding_ = 0;                            // guarded by mutex_
  uint64_t sequence_ = 0;                                        // guarded by mutex_
};

}  // namespace berth
