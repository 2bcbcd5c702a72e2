#include "server/async_jobs.h"

#include <gtest/gtest.h>

#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "server/http/testing/fake_inference_server.h"

namespace berth {
namespace {

// A fake core whose async inferences finish only when the test says so.
class DeferringServer : public testing::FakeInferenceServer {
 public:
  void InferAsync(InferenceRequest request, InferDone done) override {
    std::lock_guard lock(mutex);
    pending.push_back([this, request = std::move(request), done = std::move(done)]() mutable {
      done(Infer(std::move(request)));
    });
  }
  void FinishAll() {
    std::vector<std::function<void()>> run;
    {
      std::lock_guard lock(mutex);
      run.swap(pending);
    }
    for (auto& f : run) f();
  }
  std::mutex mutex;
  std::vector<std::function<void()>> pending;
};

InferenceRequest EchoRequest(float value) {
  InferenceRequest request;
  request.model_name = "echo";
  request.id = "req";
  request.inputs.push_back({"INPUT0", Tensor::FromVector<float>({1, 1}, {value})});
  return request;
}

TEST(AsyncJobStoreTest, PendingThenSucceededWithTheResponse) {
  DeferringServer server;
  server.sleep_ms = 0;
  AsyncJobStore jobs(server, {});
  StatusOr<std::string> id = jobs.Submit(EchoRequest(7.f));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->size(), 32u);
  StatusOr<JobSnapshot> job = jobs.Get(*id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->state, JobState::kPending);
  EXPECT_EQ(job->model_name, "echo");
  server.FinishAll();
  job = jobs.Get(*id);
  ASSERT_TRUE(job.ok());
  ASSERT_EQ(job->state, JobState::kSucceeded);
  ASSERT_EQ(job->response->outputs.size(), 1u);
  EXPECT_EQ(job->response->outputs[0].tensor.data<float>()[0], 7.f);
}

TEST(AsyncJobStoreTest, FailuresKeepTheError) {
  testing::FakeInferenceServer server;
  AsyncJobStore jobs(server, {});
  InferenceRequest request = EchoRequest(1.f);
  request.inputs[0].name = "bogus";
  StatusOr<std::string> id = jobs.Submit(std::move(request));
  ASSERT_TRUE(id.ok());
  StatusOr<JobSnapshot> job = jobs.Get(*id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->state, JobState::kFailed);
  EXPECT_EQ(job->error.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(job->error.message().find("bogus"), std::string::npos);
}

TEST(AsyncJobStoreTest, BoundedAndExpiring) {
  testing::FakeInferenceServer server;
  AsyncJobStore jobs(server, {/*max_jobs=*/2, /*ttl=*/std::chrono::milliseconds(50)});
  ASSERT_TRUE(jobs.Submit(EchoRequest(1.f)).ok());
  StatusOr<std::string> second = jobs.Submit(EchoRequest(2.f));
  ASSERT_TRUE(second.ok());
  StatusOr<std::string> third = jobs.Submit(EchoRequest(3.f));
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(jobs.List().size(), 2u);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_EQ(jobs.Get(*second).status().code(), StatusCode::kNotFound);  // expired
  EXPECT_EQ(jobs.size(), 0u);
  EXPECT_TRUE(jobs.Submit(EchoRequest(4.f)).ok());  // room again
}

TEST(AsyncJobStoreTest, PendingJobsDoNotExpireAndWaitReturnsWhenDone) {
  DeferringServer server;
  AsyncJobStore jobs(server, {/*max_jobs=*/4, /*ttl=*/std::chrono::milliseconds(1)});
  StatusOr<std::string> id = jobs.Submit(EchoRequest(5.f));
  ASSERT_TRUE(id.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(jobs.Get(*id).ok());  // still pending, still there
  std::thread finisher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    server.FinishAll();
  });
  StatusOr<JobSnapshot> job = jobs.Get(*id, std::chrono::seconds(5));
  finisher.join();
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->state, JobState::kSucceeded);
}

TEST(AsyncJobStoreTest, DeleteForgetsAndDropsALateResult) {
  DeferringServer server;
  AsyncJobStore jobs(server, {});
  StatusOr<std::string> id = jobs.Submit(EchoRequest(5.f));
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(jobs.Delete(*id).ok());
  EXPECT_EQ(jobs.Delete(*id).code(), StatusCode::kNotFound);
  server.FinishAll();  // the result arrives after the delete: dropped, no crash
  EXPECT_EQ(jobs.Get(*id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(jobs.size(), 0u);
}

}  // namespace
}  // namespace berth
