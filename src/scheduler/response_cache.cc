#include "scheduler/response_cache.h"

// Boost's header-only SHA-1 (Boost.Uuid uses it for name-based UUIDs): no extra library to link.
// Entries are verified byte for byte on a hit, so the digest only has to spread keys well.
#include <boost/uuid/detail/sha1.hpp>

namespace berth {

namespace {

// Fixed per-entry cost on top of the bytes (list node, map node, strings' headers).
constexpr int64_t kEntryOverheadBytes = 256;

void AppendU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void AppendString(std::string& out, const std::string& s) {
  AppendU64(out, s.size());
  out += s;
}

std::string Digest(const std::string& material) {
  boost::uuids::detail::sha1 sha;
  sha.process_bytes(material.data(), material.size());
  boost::uuids::detail::sha1::digest_type digest;
  sha.get_digest(digest);
  std::string out;
  for (unsigned int word : digest) AppendU64(out, word);
  return out;
}

int64_t TensorBytes(const Tensor& tensor) {
  if (tensor.dtype() != DataType::kString) return static_cast<int64_t>(tensor.nbytes());
  int64_t bytes = static_cast<int64_t>(tensor.nbytes());
  for (int64_t i = 0; i < tensor.numel(); ++i) bytes += static_cast<int64_t>(tensor.data<std::string>()[i].size());
  return bytes;
}

}  // namespace

std::string CacheKeyMaterial(const std::string& model, int64_t version, uint64_t load_id, const NamedValues& inputs,
                             const std::vector<std::string>& requested_outputs) {
  size_t reserve = model.size() + 64;
  for (const auto& [name, value] : inputs) reserve += name.size() + 64 + value.nbytes();
  std::string out;
  out.reserve(reserve);
  AppendString(out, model);
  AppendU64(out, static_cast<uint64_t>(version));
  AppendU64(out, load_id);
  AppendU64(out, inputs.size());
  for (const auto& [name, value] : inputs) {
    AppendString(out, name);
    if (!value.is_tensor()) {
      AppendU64(out, static_cast<uint64_t>(value.kind()));
      continue;
    }
    const Tensor& tensor = value.tensor();
    AppendU64(out, static_cast<uint64_t>(tensor.dtype()));
    AppendU64(out, static_cast<uint64_t>(tensor.rank()));
    for (int64_t d : tensor.shape()) AppendU64(out, static_cast<uint64_t>(d));
    if (tensor.dtype() == DataType::kString) {
      for (int64_t i = 0; i < tensor.numel(); ++i) AppendString(out, tensor.data<std::string>()[i]);
    } else if (tensor.nbytes() > 0) {
      out.append(static_cast<const char*>(tensor.raw_data()), tensor.nbytes());
    }
  }
  AppendU64(out, requested_outputs.size());
  for (const std::string& name : requested_outputs) AppendString(out, name);
  return out;
}

ResponseCache::ResponseCache(int64_t capacity_bytes) : capacity_bytes_(capacity_bytes > 0 ? capacity_bytes : 0) {}

std::optional<NamedValues> ResponseCache::Lookup(const std::string& material) {
  const std::string digest = Digest(material);
  std::lock_guard lock(mutex_);
  auto it = by_digest_.find(digest);
  if (it == by_digest_.end() || it->second->material != material) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->outputs;
}

int64_t ResponseCache::Insert(const std::string& material, const NamedValues& outputs) {
  Entry entry;
  entry.digest = Digest(material);
  entry.bytes = kEntryOverheadBytes + static_cast<int64_t>(material.size() + 2 * entry.digest.size());
  for (const auto& [name, value] : outputs) {
    entry.bytes += static_cast<int64_t>(name.size());
    if (value.is_tensor()) {
      entry.outputs.emplace_back(name, Value(value.tensor().Clone()));
      entry.bytes += TensorBytes(value.tensor());
    } else {
      return 0;  // only tensors are cached
    }
  }
  if (entry.bytes > capacity_bytes_) return 0;
  entry.material = material;

  std::lock_guard lock(mutex_);
  auto existing = by_digest_.find(entry.digest);
  if (existing != by_digest_.end()) {  // same request again (or a digest collision): the newer one wins
    size_bytes_ -= existing->second->bytes;
    lru_.erase(existing->second);
    by_digest_.erase(existing);
  }
  int64_t evicted = 0;
  while (!lru_.empty() && size_bytes_ + entry.bytes > capacity_bytes_) {
    size_bytes_ -= lru_.back().bytes;
    by_digest_.erase(lru_.back().digest);
    lru_.pop_back();
    ++evicted;
  }
  size_bytes_ += entry.bytes;
  lru_.push_front(std::move(entry));
  by_digest_[lru_.front().digest] = lru_.begin();
  return evicted;
}

int64_t ResponseCache::size_bytes() const {
  std::lock_guard lock(mutex_);
  return size_bytes_;
}

int64_t ResponseCache::entries() const {
  std::lock_guard lock(mutex_);
  return static_cast<int64_t>(lru_.size());
}

}  // namespace berth
