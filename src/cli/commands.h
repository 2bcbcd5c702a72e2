#pragma once
// Subcommands of the `berth` binary. Each adds its flags to the CLI11 app and returns the function
// that runs it after parsing (exit code as result).

#include <functional>

#include <CLI/CLI.hpp>

namespace berth::cli {

using CommandRunner = std::function<int()>;

CommandRunner AddRunCommand(CLI::App& app);
CommandRunner AddServeCommand(CLI::App& app);
CommandRunner AddOpsCommand(CLI::App& app);
CommandRunner AddBenchCommand(CLI::App& app);

}  // namespace berth::cli
