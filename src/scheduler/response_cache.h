#pragma once
// ResponseCache: outputs of earlier requests, for models that opt in (response_cache { enable: true }).
//
// A request is identified by its key material: model name, version, the identity of the loaded copy
// of that version (a reload of the same version number never shares entries), every input's name,
// data type, shape and bytes, and the requested outputs. Entries are found by the SHA-1 digest of
// the material and a hit is served only after the stored material compares equal byte for byte, so a
// digest collision can cost a miss but never a wrong answer. The budget counts the material and the
// outputs; the least recently used entries are evicted to stay within it.
//
// Thread-safety: all methods are thread-safe (one mutex; lookups and inserts are short).

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "scheduler/batching.h"

namespace berth {

// The key material described above. `inputs` in the model's input order.
std::string CacheKeyMaterial(const std::string& model, int64_t version, uint64_t load_id, const NamedValues& inputs,
                             const std::vector<std::string>& requested_outputs);

class ResponseCache {
 public:
  explicit ResponseCache(int64_t capacity_bytes);

  // The stored outputs for exactly this material, or nullopt. Outputs share their buffers with the
  // entry (tensors are never written after they are stored).
  std::optional<NamedValues> Lookup(const std::string& material);
  // Stores `outputs` (deep copies) for `material`, evicting least recently used entries as needed.
  // Returns the number of entries evicted. An entry larger than the whole budget is not stored.
  int64_t Insert(const std::string& material, const NamedValues& outputs);

  int64_t capacity_bytes() const { return capacity_bytes_; }
  int64_t size_bytes() const;
  int64_t entries() const;

 private:
  struct Entry {
    std::string digest;
    std::string material;
    NamedValues outputs;
    int64_t bytes = 0;
  };

  const int64_t capacity_bytes_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // guarded by mutex_; most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> by_digest_;  // guarded by mutex_
  int64_t size_bytes_ = 0;                                                 // guarded by mutex_
};

}  // namespace berth
