#pragma once
// ModelSource: finds models and their versions on storage (TF Serving's "source"). It only reads the
// folder layout and config.pbtxt; loading a version is the loader's job, choosing which versions to
// serve is the manager's.
//
//   DIR/<model>/config.pbtxt          optional (Triton's text format)
//   DIR/<model>/<version>/model.onnx  version: a folder named by a non-negative integer; the file
//                                     name is config's default_model_filename if set
//
// Thread-safety: const methods may be called concurrently (they only read the file system).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "berth/status.h"
#include "repository/model_config.pb.h"

namespace berth {

// What one model folder holds right now.
struct ModelOnDisk {
  std::string name;
  std::filesystem::path dir;
  bool has_config = false;                   // config.pbtxt exists
  inference::ModelConfig config;             // as written (empty without config.pbtxt)
  std::string config_text;                   // raw file, to notice changes on reload
  std::vector<std::string> config_warnings;  // unknown fields etc. (see ParseModelConfig)
  std::vector<int64_t> versions;             // numeric subfolders, ascending
  std::vector<std::string> ignored_entries;  // subfolders that are not version numbers

  // DIR/<model>/<version>/<default_model_filename or model.onnx>
  std::filesystem::path ModelFile(int64_t version) const;
};

class ModelSource {
 public:
  // NotFound if `root` does not exist or is not a folder.
  static StatusOr<std::unique_ptr<ModelSource>> Create(const std::string& root);

  // Names of the model folders under the root, sorted; hidden entries (".name") are skipped.
  StatusOr<std::vector<std::string>> ListModels() const;
  // NotFound if there is no such model folder; InvalidArgument for a name that is not a plain folder
  // name ("../x", "a/b") or a config.pbtxt that does not parse.
  StatusOr<ModelOnDisk> ReadModel(const std::string& name) const;
  // True if DIR/<name> is a folder (false for invalid names).
  bool HasModel(const std::string& name) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  explicit ModelSource(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
};

// A model name as it may appear in a path: non-empty, no '/', '\\' or NUL, not "." or "..".
Status CheckModelName(const std::string& name);

}  // namespace berth
