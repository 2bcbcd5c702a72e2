// berth: the single binary. Each subcommand lives in its own file (src/cli/*_command.cc) and only
// parses flags and calls the library.
#include <cstdio>
#include <map>
#include <string>

#include "cli/commands.h"
#include "engine/thread_pool.h"

int main(int argc, char** argv) {
  // Idle OpenMP workers spin only briefly, then sleep (re-executes once with OMP_WAIT_POLICY and
  // GOMP_SPINCOUNT set unless the environment already chose): spinning threads steal the cores of
  // concurrent requests.
  berth::UseShortOpenMpSpin(argv);
  CLI::App app{"Berth: serve deep-learning models in production"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("berth ") + BERTH_VERSION);
  std::map<CLI::App*, berth::cli::CommandRunner> runners;
  runners[app.get_subcommand("run")] = berth::cli::AddRunCommand(app);
  runners[app.get_subcommand("serve")] = berth::cli::AddServeCommand(app);
  runners[app.get_subcommand("ops")] = berth::cli::AddOpsCommand(app);
  runners[app.get_subcommand("bench")] = berth::cli::AddBenchCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (auto& [sub, runner] : runners)
    if (sub->parsed()) return runner();
  return 2;
}
