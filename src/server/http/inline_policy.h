#pragma once
// Where an inference request runs: on the network thread that read it, or on the worker pool.
//
// Handing a request to a worker and the answer back costs two thread wake-ups (~10-20 µs each on
// a busy machine), more than a small model takes to run; measured on 2 cores, a tiny MLP served
// 27k req/s with every inference handed off, most of the time spent in futex wake-ups. But a slow
// model run on a network thread would stall every other connection on that thread (health
// probes included). So each model's recent handling time is tracked (exponential moving average)
// and requests for models that answer within `max_inline_us` run inline; others, requests for
// models not measured yet, and large bodies go to the pool. A slow model whose request is cheap to
// parse (little JSON: a small body, or binary tensor data behind a small JSON header) is parsed on
// the network thread and queued straight to the model's own worker: one hand-off fewer than going
// through the pool. If the connection is the only one on its network thread and the model answers
// within tens of milliseconds, it runs right there when its instance is idle (no hand-off at all):
// nobody else is waiting on that thread.
// Thread-safety: all methods may be called concurrently.

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace berth::http {

class InlinePolicy {
 public:
  // max_inline_us <= 0 disables inline execution.
  explicit InlinePolicy(int64_t max_inline_us, size_t max_inline_body_bytes = 64 * 1024,
                        int64_t max_alone_inline_us = 0)
      : max_inline_us_(max_inline_us),
        max_alone_inline_us_(max_alone_inline_us),
        max_inline_body_bytes_(max_inline_body_bytes) {}

  bool ShouldInline(std::string_view model, size_t body_bytes) const;
  // True when parsing this request here is cheap (`json_bytes`: the body, or the JSON header before
  // binary tensor data) and `model` has answered before (known, so no load or lookup can block).
  bool ShouldParseHere(std::string_view model, size_t json_bytes) const;
  // For a connection alone on its network thread: `model` answers within max_alone_inline_us, so
  // running it on that thread holds up at most a connection accepted there meanwhile, that long.
  bool ShouldRunAlone(std::string_view model) const;
  // Records how long handling a request for `model` took (parse, run, render).
  void Record(std::string_view model, int64_t micros);

 private:
  std::atomic<int64_t>* Find(std::string_view model) const;

  const int64_t max_inline_us_;
  const int64_t max_alone_inline_us_;
  const size_t max_inline_body_bytes_;
  mutable std::shared_mutex mutex_;
  // Average handling time in µs per model name; entries are never removed (one per model name
  // that was ever served, so the map stays small), which keeps the returned pointers valid.
  std::unordered_map<std::string, std::unique_ptr<std::atomic<int64_t>>> average_us_;
};

// The model named by an inference target "/v2/models/{m}[/versions/{v}]/infer" (percent-decoding
// not applied), or "" if the target is not one.
std::string_view InferTargetModel(std::string_view target);

}  // namespace berth::http
