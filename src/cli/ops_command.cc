// `berth ops`: lists the kernels Berth has (domain, op type, opset range, provider), one per line.
// An operator appears once per provider that implements it; the optimized provider is tried first.
#include <algorithm>
#include <climits>
#include <cstdio>
#include <set>
#include <string>
#include <utility>

#include "berth/session.h"
#include "cli/commands.h"
#include "engine/kernel_registry.h"

namespace berth::cli {

CommandRunner AddOpsCommand(CLI::App& app) {
  app.add_subcommand("ops", "List the supported operators (domain, op type, opset range, provider)");
  return [] {
    std::vector<KernelRegistration> entries = DefaultKernelRegistry().entries();
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      return std::tie(a.domain, a.op_type, a.first_opset, a.provider) <
             std::tie(b.domain, b.op_type, b.first_opset, b.provider);
    });
    for (const KernelRegistration& e : entries) {
      std::string range = std::to_string(e.first_opset) + "-" + (e.last_opset == INT_MAX ? std::string("") : std::to_string(e.last_opset));
      std::printf("%-26s %-28s %-8s %s\n", e.domain.empty() ? "ai.onnx" : e.domain.c_str(), e.op_type.c_str(),
                  range.c_str(), e.provider.c_str());
    }
    std::set<std::pair<std::string, std::string>> ops;
    for (const KernelRegistration& e : entries) ops.insert({e.domain, e.op_type});
    std::printf("%zu kernels for %zu operators\n", entries.size(), ops.size());
    return 0;
  };
}

}  // namespace berth::cli
