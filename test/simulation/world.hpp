// The deterministic simulator: one seed drives the pure deciders of SKU,
// cart, order and payment, the order saga's steps, the PSP and a log that
// loses unsynced events, through one simulated clock and one event queue
// (no threads, no wall clock, no CAF). An auditor of its own checks every
// step. The same seed and options replay the same run byte for byte.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace tillroll::simulation {

struct simulation_options {
  uint64_t seed = 1;
  /// Steps with faults and random commands; then faults stop and the world
  /// runs until it comes to rest.
  uint64_t steps = 400;
  /// Print each step's happening to stderr (for replaying one seed).
  bool trace = false;
};

struct simulation_result {
  bool passed = true;
  /// The step the auditor failed at (steps past `steps` are the run to
  /// rest), and what it found.
  uint64_t failed_step = 0;
  std::string failure;
  /// Faults injected, by kind.
  std::map<std::string, uint64_t> faults;
  /// Orders by outcome, as the auditor sees them at the end.
  std::map<std::string, uint64_t> outcomes;
  uint64_t steps_run = 0;
  uint64_t events_appended = 0;
  /// Digest of every record written, to show that a replay is identical.
  uint64_t log_digest = 0;
};

simulation_result run_simulation(const simulation_options& options);

} // namespace tillroll::simulation
