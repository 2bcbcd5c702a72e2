#include "server/http/inline_policy.h"

#include <mutex>

namespace berth::http {

std::atomic<int64_t>* InlinePolicy::Find(std::string_view model) const {
  std::shared_lock lock(mutex_);
  auto it = average_us_.find(std::string(model));
  return it == average_us_.end() ? nullptr : it->second.get();
}

bool InlinePolicy::ShouldInline(std::string_view model, size_t body_bytes) const {
  if (max_inline_us_ <= 0 || model.empty() || body_bytes > max_inline_body_bytes_) return false;
  const std::atomic<int64_t>* average = Find(model);
  return average != nullptr && average->load(std::memory_order_relaxed) <= max_inline_us_;
}

bool InlinePolicy::ShouldParseHere(std::string_view model, size_t json_bytes) const {
  if (max_inline_us_ <= 0 || model.empty() || json_bytes > max_inline_body_bytes_) return false;
  return Find(model) != nullptr;
}

bool InlinePolicy::ShouldRunAlone(std::string_view model) const {
  if (max_alone_inline_us_ <= 0 || model.empty()) return false;
  const std::atomic<int64_t>* average = Find(model);
  return average != nullptr && average->load(std::memory_order_relaxed) <= max_alone_inline_us_;
}

void InlinePolicy::Record(std::string_view model, int64_t micros) {
  if (max_inline_us_ <= 0 || model.empty()) return;
  std::atomic<int64_t>* average = Find(model);
  if (average == nullptr) {
    std::unique_lock lock(mutex_);
    auto& slot = average_us_[std::string(model)];
    if (!slot) slot = std::make_unique<std::atomic<int64_t>>(micros);
    return;
  }
  // EWMA with weight 1/8: a model that turns slow stops running inline within a few requests.
  // Racing updates may lose one sample; the average stays within the range of the samples.
  const int64_t old = average->load(std::memory_order_relaxed);
  average->store(old + (micros - old) / 8, std::memory_order_relaxed);
}

std::string_view InferTargetModel(std::string_view target) {
  constexpr std::string_view kPrefix = "/v2/models/";
  if (target.substr(0, kPrefix.size()) != kPrefix) return {};
  std::string_view rest = target.substr(kPrefix.size());
  if (size_t q = rest.find('?'); q != std::string_view::npos) rest = rest.substr(0, q);
  constexpr std::string_view kSuffix = "/infer";
  if (rest.size() <= kSuffix.size() || rest.substr(rest.size() - kSuffix.size()) != kSuffix) return {};
  return rest.substr(0, rest.find('/'));
}

}  // namespace berth::http
