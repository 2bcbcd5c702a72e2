#include "repository/model_manager.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "common/logging.h"
#include "server/metrics.h"

namespace berth {

namespace {

std::string VersionList(const std::vector<int64_t>& versions) {
  std::string out;
  for (int64_t v : versions) out += (out.empty() ? "" : ", ") + std::to_string(v);
  return out.empty() ? "none" : out;
}

template <typename Map>
std::vector<int64_t> Keys(const Map& map) {
  std::vector<int64_t> keys;
  for (const auto& entry : map) keys.push_back(entry.first);
  return keys;
}

}  // namespace

std::vector<int64_t> SelectVersions(const inference::ModelVersionPolicy& policy, const std::vector<int64_t>& on_disk,
                                    std::vector<int64_t>* missing) {
  std::vector<int64_t> sorted = on_disk;
  std::sort(sorted.begin(), sorted.end());
  switch (policy.policy_choice_case()) {
    case inference::ModelVersionPolicy::kAll: return sorted;
    case inference::ModelVersionPolicy::kSpecific: {
      std::set<int64_t> wanted(policy.specific().versions().begin(), policy.specific().versions().end());
      std::vector<int64_t> selected;
      for (int64_t v : wanted) {
        if (std::binary_search(sorted.begin(), sorted.end(), v)) {
          selected.push_back(v);
        } else if (missing != nullptr) {
          missing->push_back(v);
        }
      }
      return selected;
    }
    case inference::ModelVersionPolicy::kLatest:
    case inference::ModelVersionPolicy::POLICY_CHOICE_NOT_SET:
    default: {
      size_t n = policy.has_latest() && policy.latest().num_versions() > 0 ? policy.latest().num_versions() : 1;
      n = std::min(n, sorted.size());
      return std::vector<int64_t>(sorted.end() - static_cast<std::ptrdiff_t>(n), sorted.end());
    }
  }
}

ModelManager::ModelManager(std::unique_ptr<ModelSource> source, ServerMetrics* metrics)
    : source_(std::move(source)), metrics_(metrics) {}

ModelManager::~ModelManager() = default;

// A failure of the whole model (no folder, bad config, no versions). Versions already served keep
// serving; otherwise the model becomes UNAVAILABLE with the reason.
Status ModelManager::FailModel(const std::string& name, const Status& status) {
  LogEvent(LogLevel::kError, "model_load_failed", {{"model", name}, {"reason", status.message()}});
  if (metrics_ != nullptr) metrics_->RecordLoadFailure(name);
  std::unique_lock lock(models_mutex_);
  ModelRecord& record = models_[name];
  record.loading = false;
  if (!record.ready.empty()) {
    record.reload_error = status.message();
  } else if (status.code() == StatusCode::kNotFound && !record.should_serve) {
    models_.erase(name);  // never served and not on disk: nothing to remember
  } else {
    record.reason = status.message();
    record.failed.clear();
    record.should_serve = true;
  }
  return status.WithContext("failed to load model '" + name + "'");
}

Status ModelManager::Load(const std::string& name) {
  RETURN_IF_ERROR(CheckModelName(name));
  std::lock_guard lifecycle(lifecycle_mutex_);
  std::map<int64_t, std::shared_ptr<const LoadedModel>> old_ready;
  {
    std::unique_lock lock(models_mutex_);
    ModelRecord& record = models_[name];
    record.loading = true;
    old_ready = record.ready;
  }

  StatusOr<ModelOnDisk> read = source_->ReadModel(name);
  if (!read.ok()) return FailModel(name, read.status());
  const ModelOnDisk& disk = *read;
  for (const std::string& warning : disk.config_warnings) {
    LogEvent(LogLevel::kWarning, "model_config_warning", {{"model", name}, {"warning", warning}});
  }
  for (const std::string& entry : disk.ignored_entries) {
    LogEvent(LogLevel::kWarning, "model_config_warning",
             {{"model", name}, {"warning", "ignoring '" + (disk.dir / entry).string() + "': not a version folder"}});
  }
  if (disk.versions.empty()) {
    return FailModel(name, Unavailable("no version folders in '" + disk.dir.string() + "' (expected e.g. '" +
                                       disk.ModelFile(1).string() + "')"));
  }

  std::vector<int64_t> missing;
  std::vector<int64_t> wanted = SelectVersions(disk.config.version_policy(), disk.versions, &missing);
  if (wanted.empty() && missing.empty()) {
    return FailModel(
        name, Unavailable("version_policy selects none of the versions on disk (" + VersionList(disk.versions) + ")"));
  }

  std::map<int64_t, std::shared_ptr<const LoadedModel>> new_ready;
  std::map<int64_t, std::string> new_failed;
  std::string reload_error;
  Status first_error;
  auto fail_version = [&](int64_t version, const Status& status) {
    LogEvent(LogLevel::kError, "model_load_failed",
             {{"model", name}, {"version", std::to_string(version)}, {"reason", status.message()}});
    if (metrics_ != nullptr) metrics_->RecordLoadFailure(name);
    if (first_error.ok()) {
      first_error = status.WithContext("failed to load model '" + name + "' version " + std::to_string(version));
    }
    auto old = old_ready.find(version);
    if (old != old_ready.end()) {
      new_ready[version] = old->second;  // keep serving what worked
      reload_error = "reload of version " + std::to_string(version) + " failed: " + status.message();
    } else {
      new_failed[version] = status.message();
    }
  };

  for (int64_t version : missing) {
    fail_version(version, NotFound("version_policy names version " + std::to_string(version) + " but '" +
                                   (disk.dir / std::to_string(version)).string() + "' does not exist"));
  }
  for (int64_t version : wanted) {
    auto old = old_ready.find(version);
    if (old != old_ready.end() && old->second->fingerprint == ModelVersionFingerprint(disk, version)) {
      new_ready[version] = old->second;  // unchanged on disk
      continue;
    }
    LogEvent(LogLevel::kInfo, "model_loading", {{"model", name}, {"version", std::to_string(version)}});
    auto start = std::chrono::steady_clock::now();
    std::vector<std::string> warnings;
    StatusOr<std::shared_ptr<const LoadedModel>> loaded = LoadModelVersion(disk, version, &warnings, metrics_);
    for (const std::string& warning : warnings) {
      LogEvent(LogLevel::kWarning, "model_config_warning",
               {{"model", name}, {"version", std::to_string(version)}, {"warning", warning}});
    }
    if (!loaded.ok()) {
      fail_version(version, loaded.status());
      continue;
    }
    auto load_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    LogEvent(LogLevel::kInfo, "model_ready",
             {{"model", name}, {"version", std::to_string(version)}, {"load_ms", load_ms}});
    new_ready[version] = std::move(loaded).value();
  }

  {
    std::unique_lock lock(models_mutex_);
    ModelRecord& record = models_[name];
    record.ready = new_ready;
    record.failed = new_failed;
    record.reason.clear();
    record.reload_error = reload_error;
    record.on_disk = disk.versions;
    record.loading = false;
    record.should_serve = true;
  }

  for (const auto& [version, model] : old_ready) {
    if (new_ready.count(version)) continue;
    LogEvent(LogLevel::kInfo, "model_unloaded", {{"model", name}, {"version", std::to_string(version)}});
    if (metrics_ != nullptr) metrics_->SetModelReady(name, std::to_string(version), false);
  }
  if (metrics_ != nullptr) {
    for (const auto& entry : new_ready) metrics_->SetModelReady(name, std::to_string(entry.first), true);
    for (const auto& entry : new_failed) metrics_->SetModelReady(name, std::to_string(entry.first), false);
  }
  return first_error;
}

Status ModelManager::Unload(const std::string& name) {
  RETURN_IF_ERROR(CheckModelName(name));
  std::lock_guard lifecycle(lifecycle_mutex_);
  std::map<int64_t, std::shared_ptr<const LoadedModel>> old_ready;
  std::map<int64_t, std::string> old_failed;
  {
    std::unique_lock lock(models_mutex_);
    auto it = models_.find(name);
    if (it == models_.end()) {
      if (source_->HasModel(name)) return Status::Ok();  // on disk, not loaded: nothing to do
      return NotFound("unknown model '" + name + "'");
    }
    ModelRecord& record = it->second;
    old_ready.swap(record.ready);
    old_failed.swap(record.failed);
    record.reason = "unloaded";
    record.reload_error.clear();
    record.should_serve = false;
  }
  for (const auto& entry : old_ready) {
    LogEvent(LogLevel::kInfo, "model_unloaded", {{"model", name}, {"version", std::to_string(entry.first)}});
    if (metrics_ != nullptr) metrics_->SetModelReady(name, std::to_string(entry.first), false);
  }
  return Status::Ok();
}

StatusOr<std::shared_ptr<const LoadedModel>> ModelManager::Get(const std::string& name, int64_t version) const {
  {
    std::shared_lock lock(models_mutex_);
    auto it = models_.find(name);
    if (it != models_.end()) {
      const ModelRecord& record = it->second;
      if (version == kAnyVersion) {
        if (!record.ready.empty()) return record.ready.rbegin()->second;
        if (record.loading) return Unavailable("model '" + name + "' is loading");
        if (!record.reason.empty()) return Unavailable("model '" + name + "' is not ready: " + record.reason);
        if (!record.failed.empty()) {
          return Unavailable("model '" + name + "' is not ready: version " +
                             std::to_string(record.failed.begin()->first) + ": " + record.failed.begin()->second);
        }
        return Unavailable("model '" + name + "' is not ready");
      }
      auto ready = record.ready.find(version);
      if (ready != record.ready.end()) return ready->second;
      std::string served = " (ready versions: " + VersionList(Keys(record.ready)) + ")";
      auto failed = record.failed.find(version);
      if (failed != record.failed.end()) {
        return Unavailable("version " + std::to_string(version) + " of model '" + name +
                           "' is not ready: " + failed->second);
      }
      if (std::binary_search(record.on_disk.begin(), record.on_disk.end(), version)) {
        return Unavailable("version " + std::to_string(version) + " of model '" + name + "' is not loaded" + served);
      }
      return NotFound("unknown version " + std::to_string(version) + " of model '" + name + "'" + served);
    }
  }
  if (source_->HasModel(name)) return Unavailable("model '" + name + "' is not loaded");
  return NotFound("unknown model '" + name + "'");
}

std::vector<int64_t> ModelManager::ReadyVersions(const std::string& name) const {
  std::shared_lock lock(models_mutex_);
  auto it = models_.find(name);
  return it == models_.end() ? std::vector<int64_t>{} : Keys(it->second.ready);
}

StatusOr<bool> ModelManager::IsReady(const std::string& name, int64_t version) const {
  {
    std::shared_lock lock(models_mutex_);
    auto it = models_.find(name);
    if (it != models_.end()) {
      const ModelRecord& record = it->second;
      if (version == kAnyVersion) return !record.ready.empty();
      if (record.ready.count(version)) return true;
      if (record.failed.count(version) || std::binary_search(record.on_disk.begin(), record.on_disk.end(), version)) {
        return false;
      }
      return NotFound("unknown version " + std::to_string(version) + " of model '" + name + "'");
    }
  }
  if (source_->HasModel(name)) return false;
  return NotFound("unknown model '" + name + "'");
}

bool ModelManager::IsKnown(const std::string& name) const {
  std::shared_lock lock(models_mutex_);
  return models_.count(name) > 0;
}

bool ModelManager::AllServedReady() const {
  std::shared_lock lock(models_mutex_);
  for (const auto& [name, record] : models_) {
    if (!record.should_serve) continue;
    if (record.ready.empty() || !record.failed.empty() || !record.reason.empty()) return false;
  }
  return true;
}

std::vector<ModelVersionStatus> ModelManager::Index() const {
  std::vector<std::string> on_disk;
  if (auto listed = source_->ListModels(); listed.ok()) on_disk = std::move(listed).value();
  std::vector<ModelVersionStatus> index;
  std::shared_lock lock(models_mutex_);
  std::set<std::string> names(on_disk.begin(), on_disk.end());
  for (const auto& entry : models_) names.insert(entry.first);
  for (const std::string& name : names) {
    auto it = models_.find(name);
    if (it == models_.end()) {
      index.push_back({name, "", "UNAVAILABLE", "not loaded"});
      continue;
    }
    const ModelRecord& record = it->second;
    std::set<int64_t> versions;
    for (const auto& entry : record.ready) versions.insert(entry.first);
    for (const auto& entry : record.failed) versions.insert(entry.first);
    for (int64_t version : versions) {
      auto failed = record.failed.find(version);
      if (failed != record.failed.end()) {
        index.push_back({name, std::to_string(version), "UNAVAILABLE", failed->second});
      } else {
        index.push_back({name, std::to_string(version), "READY", record.reload_error});
      }
    }
    if (versions.empty()) {
      if (record.loading) {
        index.push_back({name, "", "LOADING", ""});
      } else {
        index.push_back({name, "", "UNAVAILABLE", record.reason.empty() ? "not loaded" : record.reason});
      }
    }
  }
  return index;
}

}  // namespace berth
