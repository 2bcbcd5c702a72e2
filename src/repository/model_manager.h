#pragma once
// ModelManager: decides which versions of each model are served and swaps them atomically
// (TF Serving's "manager"). It asks the ModelSource what is on disk, applies the config's
// version_policy, loads versions through the loader, and publishes the result as a map of
// std::shared_ptr<const LoadedModel>: a request holds its version alive, so a reload or unload never
// pulls a model from under a running request.
//
// Failure policy: a version that fails to load is reported (log "model_load_failed", load-failure
// metric, UNAVAILABLE with the reason in Index()) and does not stop the other versions or models.
// If a reload fails for a version that is being served, the old one keeps serving (as Triton does).
//
// Thread-safety: all methods are thread-safe. Load/Unload are serialized with each other (one
// lifecycle change at a time); Get/Index/readiness never wait for a load to finish.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "berth/status.h"
#include "repository/model_loader.h"
#include "repository/model_source.h"

namespace berth {

class ServerMetrics;

// Passed to Get() for "the highest ready version".
constexpr int64_t kAnyVersion = -1;

struct ModelVersionStatus {
  std::string name;
  std::string version;  // "" for an entry about the model as a whole
  std::string state;    // "READY", "LOADING", "UNAVAILABLE"
  std::string reason;   // why it is unavailable
};

// The versions `policy` selects among `on_disk` (ascending). Versions the policy names that are not
// on disk are returned in `missing`.
std::vector<int64_t> SelectVersions(const inference::ModelVersionPolicy& policy, const std::vector<int64_t>& on_disk,
                                    std::vector<int64_t>* missing);

class ModelManager {
 public:
  // `metrics` may be null (tests); otherwise it must outlive the manager.
  ModelManager(std::unique_ptr<ModelSource> source, ServerMetrics* metrics);
  ~ModelManager();

  // (Re)loads `name` from disk: re-reads config.pbtxt and the version folders, re-applies the version
  // policy, loads new or changed versions, keeps unchanged ones, retires versions no longer selected.
  // Afterwards the model "should be served" (it counts for AllServedReady) — unless it has no folder
  // and was not being served: then it is forgotten and NotFound returned. Returns the first failure
  // (naming the model and version) if anything failed.
  Status Load(const std::string& name);
  // Stops serving every version of `name`; requests already running finish on the version they hold.
  // NotFound if the model is neither known nor on disk.
  Status Unload(const std::string& name);

  // The version to run: kAnyVersion picks the highest ready one. NotFound for an unknown model or
  // version; Unavailable for a model or version that exists but is not ready (with the reason).
  StatusOr<std::shared_ptr<const LoadedModel>> Get(const std::string& name, int64_t version) const;
  // Ready versions, ascending.
  std::vector<int64_t> ReadyVersions(const std::string& name) const;
  // NotFound for a model that is neither known nor on disk (or a version neither loaded, failed nor
  // on disk); otherwise whether it is ready.
  StatusOr<bool> IsReady(const std::string& name, int64_t version) const;
  // Has Load() ever been asked for this model (whatever the outcome)?
  bool IsKnown(const std::string& name) const;

  // True when every model that should be served (loaded and not since unloaded) has all the versions
  // its policy selects ready.
  bool AllServedReady() const;
  // One entry per version (ready or failed), or one per model without versions; models on disk that
  // were never loaded appear as UNAVAILABLE "not loaded". Sorted by name, then version.
  std::vector<ModelVersionStatus> Index() const;

  const ModelSource& source() const { return *source_; }

 private:
  struct ModelRecord {
    std::map<int64_t, std::shared_ptr<const LoadedModel>> ready;
    std::map<int64_t, std::string> failed;  // selected versions that did not load: reason
    std::string reason;                     // a failure of the model as a whole, or "unloaded"
    std::string reload_error;               // last reload failed; the previous versions still serve
    std::vector<int64_t> on_disk;           // versions seen at the last load
    bool should_serve = false;
    bool loading = false;
  };

  Status FailModel(const std::string& name, const Status& status);

  std::unique_ptr<ModelSource> source_;
  ServerMetrics* metrics_;

  std::mutex lifecycle_mutex_;  // serializes Load/Unload; held while loading (can be long)

  mutable std::shared_mutex models_mutex_;  // guards models_; held only to read or swap
  std::map<std::string, ModelRecord> models_;
};

}  // namespace berth
