// The `tillroll` command line: serve, replay, events, rebuild.
#pragma once

namespace tillroll {

/// Runs a subcommand; returns the process exit code (2 for usage errors).
int run_cli(int argc, char** argv);

} // namespace tillroll
