#include "server/async_jobs.h"

#include <algorithm>
#include <random>

namespace berth {

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kPending: return "PENDING";
    case JobState::kSucceeded: return "SUCCEEDED";
    case JobState::kFailed: return "FAILED";
  }
  return "PENDING";
}

struct AsyncJobStore::Job {
  JobSnapshot snapshot;
  uint64_t sequence = 0;                            // submit order, for List()
  std::chrono::steady_clock::time_point expires;    // set when finished
};

AsyncJobStore::AsyncJobStore(InferenceServer& server, AsyncJobOptions options)
    : server_(server), options_(options) {}

AsyncJobStore::~AsyncJobStore() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return callbacks_outstanding_ == 0; });
}

std::string AsyncJobStore::NewId() {
  thread_local std::mt19937_64 rng{std::random_device{}() ^
                                   (static_cast<uint64_t>(std::random_device{}()) << 32)};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    uint64_t bits = rng();
    for (int i = 0; i < 16; ++i, bits >>= 4) id[half * 16 + i] = kHex[bits & 15];
  }
  return id;
}

void AsyncJobStore::ExpireLocked(std::chrono::steady_clock::time_point now) {
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    const Job& job = *it->second;
    if (job.snapshot.state != JobState::kPending && job.expires <= now) {
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
}

StatusOr<std::string> AsyncJobStore::Submit(InferenceRequest request, std::shared_ptr<const void> context) {
  auto job = std::make_shared<Job>();
  job->snapshot.model_name = request.model_name;
  job->snapshot.model_version = request.model_version;
  job->snapshot.submitted = std::chrono::system_clock::now();
  job->snapshot.context = std::move(context);
  std::string id;
  {
    std::lock_guard lock(mutex_);
    ExpireLocked(std::chrono::steady_clock::now());
    if (jobs_.size() >= options_.max_jobs) {
      return Status(StatusCode::kResourceExhausted,
                    "the async job store is full (" + std::to_string(options_.max_jobs) +
                        " jobs, --async-max-jobs): fetch or delete finished jobs, or retry later");
    }
    do {
      id = NewId();
    } while (jobs_.count(id) != 0);
    job->snapshot.id = id;
    job->sequence = sequence_++;
    jobs_.emplace(id, job);
    ++callbacks_outstanding_;
  }
  server_.InferAsync(std::move(request),
                     [this, id](StatusOr<InferenceResponse> result) { Finish(id, std::move(result)); });
  return id;
}

void AsyncJobStore::Finish(const std::string& id, StatusOr<InferenceResponse> result) {
  std::lock_guard lock(mutex_);
  --callbacks_outstanding_;
  auto it = jobs_.find(id);
  if (it != jobs_.end()) {  // else deleted while running: drop the result
    Job& job = *it->second;
    job.snapshot.finished = std::chrono::system_clock::now();
    job.expires = std::chrono::steady_clock::now() + options_.ttl;
    if (result.ok()) {
      job.snapshot.state = JobState::kSucceeded;
      job.snapshot.response = std::make_shared<const InferenceResponse>(std::move(result).value());
    } else {
      job.snapshot.state = JobState::kFailed;
      job.snapshot.error = result.status();
    }
  }
  changed_.notify_all();
}

StatusOr<JobSnapshot> AsyncJobStore::Get(const std::string& id, std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  ExpireLocked(std::chrono::steady_clock::now());
  auto find = [&]() -> std::shared_ptr<Job> {
    auto it = jobs_.find(id);
    return it == jobs_.end() ? nullptr : it->second;
  };
  std::shared_ptr<Job> job = find();
  if (!job) return NotFound("async job '" + id + "' not found (unknown, deleted or expired)");
  if (wait.count() > 0) {
    changed_.wait_for(lock, wait, [&] {
      std::shared_ptr<Job> current = find();
      return !current || current->snapshot.state != JobState::kPending;
    });
    job = find();
    if (!job) return NotFound("async job '" + id + "' was deleted");
  }
  return job->snapshot;
}

Status AsyncJobStore::Delete(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (jobs_.erase(id) == 0) return NotFound("async job '" + id + "' not found (unknown, deleted or expired)");
  changed_.notify_all();
  return Status::Ok();
}

std::vector<JobSnapshot> AsyncJobStore::List() {
  std::lock_guard lock(mutex_);
  ExpireLocked(std::chrono::steady_clock::now());
  std::vector<std::shared_ptr<Job>> jobs;
  for (auto& [id, job] : jobs_) jobs.push_back(job);
  std::sort(jobs.begin(), jobs.end(), [](const auto& a, const auto& b) { return a->sequence < b->sequence; });
  std::vector<JobSnapshot> out;
  for (auto& job : jobs) out.push_back(job->snapshot);
  return out;
}

size_t AsyncJobStore::size() {
  std::lock_guard lock(mutex_);
  ExpireLocked(std::chrono::steady_clock::now());
  return jobs_.size();
}

}  // namespace berth
