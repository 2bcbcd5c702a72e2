// Version policies, load/unload/reload, failures that stay contained.
#include "repository/model_manager.h"

#include <gtest/gtest.h>

#include "repository/model_config.h"
#include "repository/testing/test_models.h"

namespace berth {
namespace {

namespace fs = std::filesystem;
using testing::AddModelVersion;
using testing::BiasReluModel;
using testing::TempDir;
using testing::WriteTextFile;

inference::ModelVersionPolicy Policy(const std::string& text) {
  inference::ModelConfig config;
  auto parsed = ParseModelConfig("version_policy " + text, "c");
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? parsed->config.version_policy() : inference::ModelVersionPolicy();
}

TEST(SelectVersionsTest, LatestAllSpecific) {
  const std::vector<int64_t> on_disk = {3, 1, 2};
  std::vector<int64_t> missing;
  EXPECT_EQ(SelectVersions(inference::ModelVersionPolicy(), on_disk, &missing), (std::vector<int64_t>{3}));
  EXPECT_EQ(SelectVersions(Policy("{ latest { num_versions: 2 } }"), on_disk, &missing), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(SelectVersions(Policy("{ latest { num_versions: 9 } }"), on_disk, &missing),
            (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(SelectVersions(Policy("{ all {} }"), on_disk, &missing), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_TRUE(missing.empty());
  EXPECT_EQ(SelectVersions(Policy("{ specific { versions: [ 3, 1, 5 ] } }"), on_disk, &missing),
            (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(missing, (std::vector<int64_t>{5}));
  EXPECT_TRUE(SelectVersions(inference::ModelVersionPolicy(), {}, nullptr).empty());
}

class ModelManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto source = ModelSource::Create(repo_.path().string());
    ASSERT_TRUE(source.ok());
    manager_ = std::make_unique<ModelManager>(std::move(source).value(), nullptr);
  }
  // Runs the served version on x = 0 and returns y[0], which is max(0, bias) = the version's bias.
  float Bias(const std::string& name, int64_t version = kAnyVersion) {
    auto model = manager_->Get(name, version);
    EXPECT_TRUE(model.ok()) << model.status().ToString();
    if (!model.ok()) return -1;
    auto out = (*model)->session->Run({Value(Tensor::FromVector<float>({1, 3}, {0, 0, 0}))});
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? (*out)[0].tensor().data<float>()[0] : -1;
  }
  std::vector<ModelVersionStatus> IndexOf(const std::string& name) {
    std::vector<ModelVersionStatus> entries;
    for (auto& e : manager_->Index()) {
      if (e.name == name) entries.push_back(e);
    }
    return entries;
  }

  TempDir repo_;
  std::unique_ptr<ModelManager> manager_;
};

TEST_F(ModelManagerTest, DefaultPolicyServesTheLatestVersion) {
  for (int v : {1, 2, 3}) AddModelVersion(repo_.path(), "m", v, BiasReluModel(static_cast<float>(v)));
  ASSERT_TRUE(manager_->Load("m").ok());
  EXPECT_EQ(manager_->ReadyVersions("m"), (std::vector<int64_t>{3}));
  EXPECT_EQ(Bias("m"), 3.0f);
  EXPECT_TRUE(manager_->AllServedReady());
  EXPECT_EQ(manager_->IsReady("m", 3).value(), true);
  EXPECT_EQ(manager_->IsReady("m", 1).value(), false);  // on disk, not selected
  EXPECT_EQ(manager_->IsReady("m", 7).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(manager_->Get("m", 1).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(manager_->Get("m", 7).status().message(), "unknown version 7 of model 'm' (ready versions: 3)");
  EXPECT_EQ(manager_->Get("nope", kAnyVersion).status().message(), "unknown model 'nope'");
}

TEST_F(ModelManagerTest, LatestNAllAndSpecificPolicies) {
  for (const char* name : {"latest", "all", "specific"}) {
    for (int v : {1, 2, 3}) AddModelVersion(repo_.path(), name, v, BiasReluModel(static_cast<float>(v)));
  }
  WriteTextFile(repo_.path() / "latest" / "config.pbtxt", "version_policy { latest { num_versions: 2 } }");
  WriteTextFile(repo_.path() / "all" / "config.pbtxt", "version_policy { all {} }");
  WriteTextFile(repo_.path() / "specific" / "config.pbtxt", "version_policy { specific { versions: [ 1, 3 ] } }");
  for (const char* name : {"latest", "all", "specific"}) ASSERT_TRUE(manager_->Load(name).ok()) << name;
  EXPECT_EQ(manager_->ReadyVersions("latest"), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(manager_->ReadyVersions("all"), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(manager_->ReadyVersions("specific"), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(Bias("specific", 1), 1.0f);
  EXPECT_EQ(Bias("specific"), 3.0f);  // no version asked: the highest ready one
  EXPECT_EQ(Bias("all", 2), 2.0f);
}

TEST_F(ModelManagerTest, SpecificVersionThatDoesNotExistIsReported) {
  AddModelVersion(repo_.path(), "m", 1, BiasReluModel(1.0f));
  WriteTextFile(repo_.path() / "m" / "config.pbtxt", "version_policy { specific { versions: [ 1, 4 ] } }");
  Status status = manager_->Load("m");
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("version_policy names version 4"), std::string::npos) << status.message();
  EXPECT_EQ(manager_->ReadyVersions("m"), (std::vector<int64_t>{1}));
  EXPECT_FALSE(manager_->AllServedReady());
  auto index = IndexOf("m");
  ASSERT_EQ(index.size(), 2u);
  EXPECT_EQ(index[0].state, "READY");
  EXPECT_EQ(index[1].version, "4");
  EXPECT_EQ(index[1].state, "UNAVAILABLE");
}

TEST_F(ModelManagerTest, ModelWithoutVersionFoldersIsUnavailableWithReason) {
  fs::create_directories(repo_.path() / "empty");
  Status status = manager_->Load("empty");
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("no version folders in"), std::string::npos) << status.message();
  auto index = IndexOf("empty");
  ASSERT_EQ(index.size(), 1u);
  EXPECT_EQ(index[0].state, "UNAVAILABLE");
  EXPECT_NE(index[0].reason.find("no version folders"), std::string::npos);
  EXPECT_FALSE(manager_->AllServedReady());
  EXPECT_EQ(manager_->Get("empty", kAnyVersion).status().code(), StatusCode::kUnavailable);
}

TEST_F(ModelManagerTest, CorruptVersionDoesNotStopTheOthers) {
  AddModelVersion(repo_.path(), "m", 1, BiasReluModel(1.0f));
  WriteTextFile(repo_.path() / "m" / "2" / "model.onnx", "garbage");
  WriteTextFile(repo_.path() / "m" / "config.pbtxt", "version_policy { all {} }");
  AddModelVersion(repo_.path(), "other", 1, BiasReluModel(5.0f));
  EXPECT_FALSE(manager_->Load("m").ok());
  EXPECT_TRUE(manager_->Load("other").ok());
  EXPECT_EQ(Bias("m", 1), 1.0f);
  EXPECT_EQ(Bias("other"), 5.0f);
  auto v2 = manager_->Get("m", 2);
  EXPECT_EQ(v2.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(v2.status().message().find("version 2 of model 'm' is not ready: "), std::string::npos);
  auto index = IndexOf("m");
  ASSERT_EQ(index.size(), 2u);
  EXPECT_EQ(index[1].state, "UNAVAILABLE");
  EXPECT_NE(index[1].reason.find("model.onnx"), std::string::npos) << index[1].reason;
}

TEST_F(ModelManagerTest, ReloadPicksUpNewVersionsAndKeepsUnchangedOnes) {
  AddModelVersion(repo_.path(), "m", 1, BiasReluModel(1.0f));
  WriteTextFile(repo_.path() / "m" / "config.pbtxt", "version_policy { latest { num_versions: 2 } }");
  ASSERT_TRUE(manager_->Load("m").ok());
  auto v1_before = manager_->Get("m", 1);
  ASSERT_TRUE(v1_before.ok());

  AddModelVersion(repo_.path(), "m", 2, BiasReluModel(2.0f));
  ASSERT_TRUE(manager_->Load("m").ok());
  EXPECT_EQ(manager_->ReadyVersions("m"), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(manager_->Get("m", 1)->get(), v1_before->get());  // unchanged on disk: not reloaded
  EXPECT_EQ(Bias("m"), 2.0f);

  AddModelVersion(repo_.path(), "m", 3, BiasReluModel(3.0f));
  ASSERT_TRUE(manager_->Load("m").ok());
  EXPECT_EQ(manager_->ReadyVersions("m"), (std::vector<int64_t>{2, 3}));  // 1 retired
  // A request holding version 1 still runs on it.
  auto out = (*v1_before)->session->Run({Value(Tensor::FromVector<float>({1, 3}, {0, 0, 0}))});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].tensor().data<float>()[0], 1.0f);
}

TEST_F(ModelManagerTest, FailedReloadKeepsServingThePreviousVersion) {
  AddModelVersion(repo_.path(), "m", 1, BiasReluModel(1.0f));
  ASSERT_TRUE(manager_->Load("m").ok());
  WriteTextFile(repo_.path() / "m" / "1" / "model.onnx", "now corrupt");
  EXPECT_FALSE(manager_->Load("m").ok());
  EXPECT_EQ(Bias("m"), 1.0f);
  EXPECT_TRUE(manager_->AllServedReady());
  auto index = IndexOf("m");
  ASSERT_EQ(index.size(), 1u);
  EXPECT_EQ(index[0].state, "READY");
  EXPECT_NE(index[0].reason.find("reload of version 1 failed"), std::string::npos) << index[0].reason;

  WriteTextFile(repo_.path() / "m" / "config.pbtxt", "max_batch_size: [");  // a broken config too
  EXPECT_FALSE(manager_->Load("m").ok());
  EXPECT_EQ(Bias("m"), 1.0f);
}

TEST_F(ModelManagerTest, UnloadStopsServingButHeldVersionsStillRun) {
  AddModelVersion(repo_.path(), "m", 1, BiasReluModel(1.0f));
  ASSERT_TRUE(manager_->Load("m").ok());
  auto held = manager_->Get("m", kAnyVersion);
  ASSERT_TRUE(held.ok());
  ASSERT_TRUE(manager_->Unload("m").ok());
  EXPECT_EQ(manager_->Get("m", kAnyVersion).status().message(), "model 'm' is not ready: unloaded");
  EXPECT_EQ(manager_->IsReady("m", kAnyVersion).value(), false);
  EXPECT_TRUE(manager_->AllServedReady());  // unloaded on purpose: not expected to be served
  auto index = IndexOf("m");
  ASSERT_EQ(index.size(), 1u);
  EXPECT_EQ(index[0].state, "UNAVAILABLE");
  EXPECT_EQ(index[0].reason, "unloaded");
  EXPECT_TRUE((*held)->session->Run({Value(Tensor::FromVector<float>({1, 3}, {0, 0, 0}))}).ok());

  ASSERT_TRUE(manager_->Load("m").ok());
  EXPECT_EQ(Bias("m"), 1.0f);
  EXPECT_EQ(manager_->Unload("ghost").code(), StatusCode::kNotFound);
}

TEST_F(ModelManagerTest, UnknownNamesAreNotRemembered) {
  EXPECT_EQ(manager_->Load("ghost").code(), StatusCode::kNotFound);
  EXPECT_EQ(manager_->Load("../../etc").code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(manager_->IsKnown("ghost"));
  EXPECT_TRUE(manager_->AllServedReady());
  EXPECT_TRUE(manager_->Index().empty());
}

TEST_F(ModelManagerTest, IndexListsModelsOnDiskThatWereNeverLoaded) {
  AddModelVersion(repo_.path(), "b", 1, BiasReluModel(1.0f));
  AddModelVersion(repo_.path(), "a", 1, BiasReluModel(1.0f));
  ASSERT_TRUE(manager_->Load("b").ok());
  auto index = manager_->Index();
  ASSERT_EQ(index.size(), 2u);
  EXPECT_EQ(index[0].name, "a");
  EXPECT_EQ(index[0].state, "UNAVAILABLE");
  EXPECT_EQ(index[0].reason, "not loaded");
  EXPECT_EQ(index[1].name, "b");
  EXPECT_EQ(index[1].version, "1");
  EXPECT_EQ(index[1].state, "READY");
  EXPECT_EQ(manager_->Get("a", kAnyVersion).status().message(), "model 'a' is not loaded");
  EXPECT_EQ(manager_->IsReady("a", kAnyVersion).value(), false);
}

}  // namespace
}  // namespace berth
