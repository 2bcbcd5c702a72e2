#pragma once
// Which kernel implements which operator. One registration per kernel: (provider, domain, op type,
// opset range, factory). Providers fill a registry explicitly from one list each (see
// providers/*/register.cc); there is no static-initialiser magic.
//
// Provider selection: a registry may hold several kernels for the same operator, from different
// providers, in priority order (the optimized provider's before the reference one's). The planner tries
// them in that order; a factory that does not handle a particular node (data type, attributes) declines
// it by returning DeclineNode(), and the next candidate is tried.
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
  std::string provider = "reference";  // "reference", "dnnl", ...
};

class KernelRegistry {
 public:
  // Registrations made after this call belong to `provider` (the default is "reference"). Providers
  // call it once at the top of their list (see providers/dnnl/register.cc).
  void set_provider(std::string provider) { provider_ = std::move(provider); }
  const std::string& provider() const { return provider_; }

  void Register(std::string domain, std::string op_type, KernelFactory create, int first_opset = 1,
                int last_opset = INT_MAX) {
    entries_.push_back({std::move(domain), std::move(op_type), first_opset, last_opset, create, provider_});
  }
  // The first (highest-priority) registration for (domain, op_type) at the given opset, or nullptr.
  const KernelRegistration* Find(std::string_view domain, std::string_view op_type, int opset) const;
  // Every registration for (domain, op_type) at the given opset, in priority order.
  std::vector<const KernelRegistration*> FindAll(std::string_view domain, std::string_view op_type,
                                                 int opset) const;
  const std::vector<KernelRegistration>& entries() const { return entries_; }

 private:
  std::vector<KernelRegistration> entries_;
  std::string provider_ = "reference";
};

// "" and "ai.onnx" name the same domain.
inline std::string_view CanonicalDomain(std::string_view domain) {
  return domain == "ai.onnx" ? std::string_view() : domain;
}

}  // namespace berth
