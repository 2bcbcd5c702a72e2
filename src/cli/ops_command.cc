// `berth ops`: lists the operators Berth can run (domain, op type, opset range), one per line.
#include <algorithm>
#include <climits>
#include <cstdio>

#include "berth/session.h"
#include "cli/commands.h"
#include "engine/kernel_registry.h"

namespace berth::cli {

CommandRunner AddOpsCommand(CLI::App& app) {
  app.add_subcommand("ops", "List the supported operators (domain, op type, opset range)");
  return [] {
    std::vector<KernelRegistration> entries = DefaultKernelRegistry().entries();
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      return std::tie(a.domain, a.op_type, a.first_opset) < std::tie(b.domain, b.op_type, b.first_opset);
    });
    for (const KernelRegistration& e : entries) {
      std::string range = std::to_string(e.first_opset) + "-" + (e.last_opset == INT_MAX ? std::string("") : std::to_string(e.last_opset));
      std::printf("%-26s %-28s %s\n", e.domain.empty() ? "ai.onnx" : e.domain.c_str(), e.op_type.c_str(), range.c_str());
    }
    std::printf("%zu kernels\n", entries.size());
    return 0;
  };
}

}  // namespace berth::cli
