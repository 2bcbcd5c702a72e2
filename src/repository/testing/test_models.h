#pragma once
// Small ONNX models and throw-away model repositories for the repository and server tests.

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace berth::testing {

// A fresh folder under the system temp dir, removed (with its contents) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// y = Relu(x + bias), x: float[N,3] with N symbolic. With `with_sum`, a second output
// sum = x + bias (outputs in the order y, sum).
onnx::ModelProto BiasReluModel(float bias, bool with_sum = false);

// output = Relu(input), both float with the given fixed shape.
onnx::ModelProto ReluModel(const std::string& input, const std::string& output, const std::vector<int64_t>& shape);

// Writes `model` to `file`, creating folders as needed.
void WriteModelFile(const std::filesystem::path& file, const onnx::ModelProto& model);
void WriteTextFile(const std::filesystem::path& file, const std::string& text);
// repo/<name>/<version>/<file_name>
void AddModelVersion(const std::filesystem::path& repo, const std::string& name, int64_t version,
                     const onnx::ModelProto& model, const std::string& file_name = "model.onnx");

}  // namespace berth::testing
