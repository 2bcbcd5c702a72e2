// Config completion and checking against the model, and loading one version from disk.
#include "repository/model_loader.h"

#include <gtest/gtest.h>

#include "repository/model_config.h"
#include "repository/testing/test_models.h"

namespace berth {
namespace {

namespace fs = std::filesystem;
using testing::AddModelVersion;
using testing::BiasReluModel;
using testing::TempDir;
using testing::WriteModelFile;
using testing::WriteTextFile;

TensorInfo Info(const std::string& name, DataType dtype, std::vector<int64_t> dims) {
  TensorInfo info;
  info.name = name;
  info.dtype = dtype;
  info.has_shape = true;
  info.dims = std::move(dims);
  info.dim_names.assign(info.dims.size(), "");
  return info;
}

const std::vector<TensorInfo> kInputs = {Info("x", DataType::kFloat32, {-1, 3})};
const std::vector<TensorInfo> kOutputs = {Info("y", DataType::kFloat32, {-1, 3}), Info("ids", DataType::kInt64, {-1})};

inference::ModelConfig Parse(const std::string& text) {
  auto parsed = ParseModelConfig(text, "config.pbtxt");
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? parsed->config : inference::ModelConfig();
}

Status Complete(inference::ModelConfig* config, std::vector<std::string>* warnings = nullptr) {
  std::vector<std::string> ignored;
  return CompleteModelConfig("m", kInputs, kOutputs, config, warnings ? warnings : &ignored);
}

TEST(ConfigCompletionTest, EmptyConfigIsFilledFromTheModel) {
  inference::ModelConfig config;
  ASSERT_TRUE(Complete(&config).ok());
  EXPECT_EQ(config.name(), "m");
  EXPECT_EQ(config.platform(), "onnxruntime_onnx");
  EXPECT_EQ(config.backend(), "onnxruntime");
  EXPECT_EQ(config.max_batch_size(), 0);
  ASSERT_EQ(config.input_size(), 1);
  EXPECT_EQ(config.input(0).name(), "x");
  EXPECT_EQ(config.input(0).data_type(), inference::TYPE_FP32);
  EXPECT_EQ(std::vector<int64_t>(config.input(0).dims().begin(), config.input(0).dims().end()),
            (std::vector<int64_t>{-1, 3}));
  ASSERT_EQ(config.output_size(), 2);
  EXPECT_EQ(config.output(1).name(), "ids");
  EXPECT_EQ(config.output(1).data_type(), inference::TYPE_INT64);
  ASSERT_EQ(config.instance_group_size(), 1);
  EXPECT_EQ(config.instance_group(0).count(), 1);
  EXPECT_EQ(config.instance_group(0).kind(), inference::ModelInstanceGroup::KIND_CPU);
  EXPECT_EQ(config.version_policy().latest().num_versions(), 1u);
}

TEST(ConfigCompletionTest, PartialConfigKeepsWhatItSaysAndFillsTheRest) {
  inference::ModelConfig config = Parse(
      "max_batch_size: 8\n"
      "output [ { name: \"ids\" } ]\n"
      "instance_group [ { count: 3 } ]\n"
      "version_policy { all {} }\n");
  ASSERT_TRUE(Complete(&config).ok());
  EXPECT_EQ(config.max_batch_size(), 8);
  // Batching: dims leave out the batch dimension.
  EXPECT_EQ(std::vector<int64_t>(config.input(0).dims().begin(), config.input(0).dims().end()),
            (std::vector<int64_t>{3}));
  // Outputs: the config's first, in its order, then the model's others.
  ASSERT_EQ(config.output_size(), 2);
  EXPECT_EQ(config.output(0).name(), "ids");
  EXPECT_EQ(config.output(0).dims_size(), 0);  // [-1] minus the batch dimension
  EXPECT_EQ(config.output(1).name(), "y");
  EXPECT_EQ(config.instance_group(0).count(), 3);
  EXPECT_TRUE(config.version_policy().has_all());
}

TEST(ConfigCompletionTest, MismatchesNameTheTensorAndBothSides) {
  inference::ModelConfig dtype = Parse("input [ { name: \"x\" data_type: TYPE_INT64 dims: [ -1, 3 ] } ]");
  EXPECT_EQ(Complete(&dtype).message(),
            "input 'x': config.pbtxt gives data_type TYPE_INT64 but the model has TYPE_FP32");

  inference::ModelConfig dims = Parse("input [ { name: \"x\" data_type: TYPE_FP32 dims: [ -1, 4 ] } ]");
  EXPECT_EQ(Complete(&dims).message(), "input 'x': config.pbtxt dims [-1,4] do not match the model's shape [-1,3]");

  inference::ModelConfig batched = Parse("max_batch_size: 4 input [ { name: \"x\" dims: [ 4 ] } ]");
  EXPECT_EQ(Complete(&batched).message(),
            "input 'x': config.pbtxt dims [4] do not match the model's shape [3] (without the batch dimension, "
            "as max_batch_size is 4)");

  inference::ModelConfig rank = Parse("output [ { name: \"y\" dims: [ 3 ] } ]");
  EXPECT_EQ(Complete(&rank).message(), "output 'y': config.pbtxt dims [3] do not match the model's shape [-1,3]");

  inference::ModelConfig unknown = Parse("input [ { name: \"image\" data_type: TYPE_FP32 dims: [ 3 ] } ]");
  EXPECT_EQ(Complete(&unknown).message(),
            "config.pbtxt: input 'image' is not an input of the model (the model's inputs are 'x')");

  inference::ModelConfig name = Parse("name: \"other\"");
  EXPECT_EQ(Complete(&name).message(), "config.pbtxt: name 'other' does not match the model folder 'm'");

  inference::ModelConfig platform = Parse("platform: \"tensorflow_savedmodel\"");
  EXPECT_NE(Complete(&platform).message().find("unsupported platform 'tensorflow_savedmodel'"), std::string::npos);

  inference::ModelConfig twice = Parse("input [ { name: \"x\" }, { name: \"x\" } ]");
  EXPECT_EQ(Complete(&twice).message(), "config.pbtxt: input 'x' is listed twice");

  inference::ModelConfig negative = Parse("max_batch_size: -2");
  EXPECT_EQ(Complete(&negative).code(), StatusCode::kInvalidArgument);

  inference::ModelConfig preferred = Parse("max_batch_size: 4 dynamic_batching { preferred_batch_size: [ 8 ] }");
  EXPECT_NE(Complete(&preferred).message().find("preferred_batch_size 8"), std::string::npos);
}

TEST(ConfigCompletionTest, BatchingNeedsAVariableFirstDimension) {
  std::vector<TensorInfo> fixed = {Info("x", DataType::kFloat32, {2, 3})};
  inference::ModelConfig config = Parse("max_batch_size: 4");
  std::vector<std::string> warnings;
  Status status = CompleteModelConfig("m", fixed, {}, &config, &warnings);
  EXPECT_NE(status.message().find("input 'x': max_batch_size is 4 but the model's first dimension is fixed at 2"),
            std::string::npos)
      << status.message();
}

TEST(ConfigCompletionTest, ReshapeIsCheckedAgainstTheModel) {
  inference::ModelConfig good = Parse("input [ { name: \"x\" dims: [ -1, 1, 3 ] reshape { shape: [ -1, 3 ] } } ]");
  EXPECT_TRUE(Complete(&good).ok());
  inference::ModelConfig bad = Parse("input [ { name: \"x\" dims: [ 6 ] reshape { shape: [ 3, 3 ] } } ]");
  EXPECT_NE(Complete(&bad).message().find("reshape [3,3] has 9 elements but dims [6] has 6"), std::string::npos);
}

TEST(ConfigCompletionTest, GpuInstancesRunOnTheCpuWithAWarning) {
  inference::ModelConfig config = Parse("instance_group [ { count: 2 kind: KIND_GPU gpus: [ 0 ] } ]");
  std::vector<std::string> warnings;
  ASSERT_TRUE(Complete(&config, &warnings).ok());
  EXPECT_EQ(config.instance_group(0).kind(), inference::ModelInstanceGroup::KIND_CPU);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("KIND_GPU"), std::string::npos);
}

TEST(ModelLoaderTest, LoadsAVersionAndBuildsTheTensorContract) {
  TempDir repo;
  AddModelVersion(repo.path(), "m", 1, BiasReluModel(1.0f));
  WriteTextFile(repo.path() / "m" / "config.pbtxt", "max_batch_size: 16\n");
  auto source = ModelSource::Create(repo.path().string());
  ASSERT_TRUE(source.ok());
  auto disk = (*source)->ReadModel("m");
  ASSERT_TRUE(disk.ok()) << disk.status().ToString();
  std::vector<std::string> warnings;
  auto loaded = LoadModelVersion(*disk, 1, &warnings);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const LoadedModel& m = **loaded;
  EXPECT_EQ(m.name, "m");
  EXPECT_EQ(m.version, 1);
  ASSERT_EQ(m.inputs.size(), 1u);
  EXPECT_EQ(m.inputs[0].dims, (Shape{-1, 3}));
  EXPECT_EQ(m.inputs[0].dtype, DataType::kFloat32);
  ASSERT_EQ(m.outputs.size(), 1u);
  EXPECT_EQ(m.outputs[0].name, "y");
  EXPECT_EQ(m.config.max_batch_size(), 16);
}

TEST(ModelLoaderTest, DefaultModelFilenameIsHonoured) {
  TempDir repo;
  AddModelVersion(repo.path(), "m", 1, BiasReluModel(1.0f), "net.onnx");
  auto source = ModelSource::Create(repo.path().string());
  ASSERT_TRUE(source.ok());
  std::vector<std::string> warnings;
  {
    auto disk = (*source)->ReadModel("m");
    ASSERT_TRUE(disk.ok());
    auto loaded = LoadModelVersion(*disk, 1, &warnings);
    ASSERT_FALSE(loaded.ok());
    EXPECT_NE(loaded.status().message().find("model.onnx' does not exist"), std::string::npos)
        << loaded.status().message();
    EXPECT_NE(loaded.status().message().find("default_model_filename"), std::string::npos);
  }
  WriteTextFile(repo.path() / "m" / "config.pbtxt", "default_model_filename: \"net.onnx\"\n");
  auto disk = (*source)->ReadModel("m");
  ASSERT_TRUE(disk.ok());
  auto loaded = LoadModelVersion(*disk, 1, &warnings);
  EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
}

TEST(ModelLoaderTest, CorruptModelFileIsAnErrorNamingTheFile) {
  TempDir repo;
  WriteTextFile(repo.path() / "m" / "1" / "model.onnx", "this is not a protobuf");
  auto source = ModelSource::Create(repo.path().string());
  ASSERT_TRUE(source.ok());
  auto disk = (*source)->ReadModel("m");
  ASSERT_TRUE(disk.ok());
  std::vector<std::string> warnings;
  auto loaded = LoadModelVersion(*disk, 1, &warnings);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find((repo.path() / "m" / "1" / "model.onnx").string()), std::string::npos)
      << loaded.status().message();
}

TEST(ModelSourceTest, ListsModelsAndVersions) {
  TempDir repo;
  AddModelVersion(repo.path(), "b", 3, BiasReluModel(1.0f));
  AddModelVersion(repo.path(), "b", 10, BiasReluModel(1.0f));
  AddModelVersion(repo.path(), "a", 1, BiasReluModel(1.0f));
  fs::create_directories(repo.path() / "b" / "notes");
  fs::create_directories(repo.path() / "b" / "007");
  fs::create_directories(repo.path() / ".hidden");
  WriteTextFile(repo.path() / "README", "not a model");
  auto source = ModelSource::Create(repo.path().string());
  ASSERT_TRUE(source.ok());
  auto models = (*source)->ListModels();
  ASSERT_TRUE(models.ok());
  EXPECT_EQ(*models, (std::vector<std::string>{"a", "b"}));
  auto b = (*source)->ReadModel("b");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->versions, (std::vector<int64_t>{3, 10}));
  EXPECT_EQ(b->ignored_entries, (std::vector<std::string>{"007", "notes"}));
  EXPECT_FALSE(b->has_config);

  EXPECT_EQ((*source)->ReadModel("zzz").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*source)->ReadModel("../etc").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*source)->ReadModel("a/1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*source)->ReadModel("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE((*source)->HasModel(".."));

  EXPECT_EQ(ModelSource::Create((repo.path() / "nope").string()).status().code(), StatusCode::kNotFound);
}

TEST(ModelSourceTest, BadConfigIsAnErrorNamingTheFile) {
  TempDir repo;
  AddModelVersion(repo.path(), "m", 1, BiasReluModel(1.0f));
  WriteTextFile(repo.path() / "m" / "config.pbtxt", "max_batch_size: [\n");
  auto source = ModelSource::Create(repo.path().string());
  ASSERT_TRUE(source.ok());
  auto disk = (*source)->ReadModel("m");
  ASSERT_FALSE(disk.ok());
  EXPECT_NE(disk.status().message().find("config.pbtxt:1:"), std::string::npos) << disk.status().message();
}

}  // namespace
}  // namespace berth
