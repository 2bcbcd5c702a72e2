#include "repository/model_source.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "repository/model_config.h"

namespace berth {

namespace fs = std::filesystem;

namespace {

constexpr const char* kConfigFile = "config.pbtxt";
constexpr const char* kDefaultModelFile = "model.onnx";

// A version folder name: decimal digits only, no leading zero (so that the folder name is exactly
// std::to_string(version)), fits in int64.
bool ParseVersion(const std::string& text, int64_t* version) {
  if (text.empty() || text.size() > 18 || (text.size() > 1 && text[0] == '0')) return false;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *version = v;
  return true;
}

StatusOr<std::string> ReadTextFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open '" + path.string() + "'");
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return DataLoss("error reading '" + path.string() + "'");
  return out.str();
}

}  // namespace

fs::path ModelOnDisk::ModelFile(int64_t version) const {
  const std::string& file = config.default_model_filename();
  return dir / std::to_string(version) / (file.empty() ? std::string(kDefaultModelFile) : file);
}

Status CheckModelName(const std::string& name) {
  if (name.empty()) return InvalidArgument("model name is empty");
  if (name == "." || name == ".." || name.find_first_of(std::string("/\\\0", 3)) != std::string::npos) {
    return InvalidArgument("invalid model name '" + name + "'");
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<ModelSource>> ModelSource::Create(const std::string& root) {
  std::error_code ec;
  if (!fs::exists(root, ec)) return NotFound("model repository '" + root + "' does not exist");
  if (!fs::is_directory(root, ec)) return NotFound("model repository '" + root + "' is not a folder");
  return std::unique_ptr<ModelSource>(new ModelSource(fs::path(root)));
}

StatusOr<std::vector<std::string>> ModelSource::ListModels() const {
  std::error_code ec;
  std::vector<std::string> names;
  fs::directory_iterator it(root_, ec);
  if (ec) return Unavailable("cannot list model repository '" + root_.string() + "': " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    std::error_code type_ec;
    if (name.empty() || name[0] == '.' || !it->is_directory(type_ec)) continue;
    names.push_back(std::move(name));
  }
  if (ec) return Unavailable("cannot list model repository '" + root_.string() + "': " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

bool ModelSource::HasModel(const std::string& name) const {
  if (!CheckModelName(name).ok()) return false;
  std::error_code ec;
  return fs::is_directory(root_ / name, ec);
}

StatusOr<ModelOnDisk> ModelSource::ReadModel(const std::string& name) const {
  RETURN_IF_ERROR(CheckModelName(name));
  ModelOnDisk model;
  model.name = name;
  model.dir = root_ / name;
  std::error_code ec;
  if (!fs::is_directory(model.dir, ec)) {
    return NotFound("model '" + name + "' not found: no folder '" + model.dir.string() + "'");
  }

  fs::path config_path = model.dir / kConfigFile;
  if (fs::exists(config_path, ec)) {
    ASSIGN_OR_RETURN(model.config_text, ReadTextFile(config_path));
    ASSIGN_OR_RETURN(ParsedModelConfig parsed, ParseModelConfig(model.config_text, config_path.string()));
    model.has_config = true;
    model.config = std::move(parsed.config);
    model.config_warnings = std::move(parsed.warnings);
  }

  fs::directory_iterator it(model.dir, ec);
  if (ec) return Unavailable("cannot list '" + model.dir.string() + "': " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    if (!it->is_directory(type_ec)) continue;
    std::string entry = it->path().filename().string();
    int64_t version = 0;
    if (ParseVersion(entry, &version)) {
      model.versions.push_back(version);
    } else if (!entry.empty() && entry[0] != '.') {
      model.ignored_entries.push_back(entry);
    }
  }
  if (ec) return Unavailable("cannot list '" + model.dir.string() + "': " + ec.message());
  std::sort(model.versions.begin(), model.versions.end());
  std::sort(model.ignored_entries.begin(), model.ignored_entries.end());
  return model;
}

}  // namespace berth
