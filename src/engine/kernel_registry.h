#pragma once
// Which kernel implements which operator. One registration per kernel: (domain, op type, opset range,
// factory). Providers fill a registry explicitly from one list each (see providers/*/register.cc);
// there is no static-initialiser magic.
// Thread-safety: filled once at start-up, then read-only and safe to share.

#include <climits>
#include <string>
#include <string_view>
#include <vector>

#include "engine/kernel.h"

namespace berth {

struct KernelRegistration {
  std::string domain;  // "" is ai.onnx; also "ai.onnx.ml", "com.microsoft", ...
  std::string op_type;
  int first_opset = 1;        // first opset version this kernel handles
  int last_opset = INT_MAX;   // last opset version this kernel handles
  KernelFactory create = nullptr;
};

class KernelRegistry {
 public:
  void Register(std::string domain, std::string op_type, KernelFactory create, int first_opset = 1,
                int last_opset = INT_MAX) {
    entries_.push_back({std::move(domain), std::move(op_type), first_opset, last_opset, create});
  }
  // The registration for (domain, op_type) at the given opset, or nullptr.
  const KernelRegistration* Find(std::string_view domain, std::string_view op_type, int opset) const;
  const std::vector<KernelRegistration>& entries() const { return entries_; }

 private:
  std::vector<KernelRegistration> entries_;
};

// "" and "ai.onnx" name the same domain.
inline std::string_view CanonicalDomain(std::string_view domain) {
  return domain == "ai.onnx" ? std::string_view() : domain;
}

}  // namespace berth
