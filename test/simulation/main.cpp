// tillroll_simulator: runs the deterministic simulator over many seeds or
// one, prints the faults it injected by kind, and on a failed check the
// seed and step, which `--seed S` replays identically.
#include "test/simulation/world.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include <unistd.h>

namespace {

/// The seed running, for a decider's assertion that aborts mid-run: the
/// failing seed still prints itself.
volatile std::sig_atomic_t running_seed = 0;

void append_number(char*& out, uint64_t value) {
  char digits[24];
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (count > 0)
    *out++ = digits[--count];
}

extern "C" void on_abort(int) {
  char line[128];
  char* out = line;
  for (const char* text = "seed "; *text != '\0'; ++text)
    *out++ = *text;
  append_number(out, static_cast<uint64_t>(running_seed));
  for (const char* text = " failed: an assertion aborted the run (see above)\n";
       *text != '\0'; ++text)
    *out++ = *text;
  auto written = ::write(STDOUT_FILENO, line, static_cast<size_t>(out - line));
  (void)written;
  std::signal(SIGABRT, SIG_DFL);
}

void usage() {
  std::fprintf(stderr,
               "usage: tillroll_simulator [--seeds N [--first-seed F] | "
               "--seed S [--trace]] [--steps K]\n");
}

bool parse_number(const char* text, uint64_t& out) {
  char* end = nullptr;
  out = std::strtoull(text, &end, 10);
  return end != text && *end == '\0';
}

} // namespace

int main(int argc, char** argv) {
  using namespace tillroll::simulation;
  uint64_t seeds = 100;
  uint64_t first_seed = 1;
  bool one_seed = false;
  simulation_options options;
  for (int index = 1; index < argc; ++index) {
    auto is = [&](const char* flag) { return std::strcmp(argv[index], flag) == 0; };
    uint64_t* target = nullptr;
    if (is("--seeds"))
      target = &seeds;
    else if (is("--first-seed"))
      target = &first_seed;
    else if (is("--seed")) {
      target = &first_seed;
      one_seed = true;
    } else if (is("--steps"))
      target = &options.steps;
    else if (is("--trace")) {
      options.trace = true;
      continue;
    }
    if (target == nullptr || index + 1 == argc ||
        !parse_number(argv[++index], *target)) {
      usage();
      return 2;
    }
  }
  if (one_seed)
    seeds = 1;
  std::map<std::string, uint64_t> faults;
  std::map<std::string, uint64_t> outcomes;
  uint64_t steps = 0;
  uint64_t events = 0;
  std::signal(SIGABRT, on_abort);
  auto started = std::chrono::steady_clock::now();
  for (uint64_t seed = first_seed; seed < first_seed + seeds; ++seed) {
    options.seed = seed;
    running_seed = static_cast<std::sig_atomic_t>(seed);
    auto result = run_simulation(options);
    for (auto& [kind, count] : result.faults)
      faults[kind] += count;
    for (auto& [outcome, count] : result.outcomes)
      outcomes[outcome] += count;
    steps += result.steps_run;
    events += result.events_appended;
    if (one_seed)
      std::printf("seed %llu: %llu steps, %llu events, log digest %016llx\n",
                  static_cast<unsigned long long>(seed),
                  static_cast<unsigned long long>(result.steps_run),
                  static_cast<unsigned long long>(result.events_appended),
                  static_cast<unsigned long long>(result.log_digest));
    if (!result.passed) {
      std::printf("seed %llu failed at step %llu: %s\n",
                  static_cast<unsigned long long>(seed),
                  static_cast<unsigned long long>(result.failed_step),
                  result.failure.c_str());
      std::printf("replay: tillroll_simulator --seed %llu --steps %llu "
                  "[--trace]\n",
                  static_cast<unsigned long long>(seed),
                  static_cast<unsigned long long>(options.steps));
      return 1;
    }
  }
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  std::printf("faults injected:\n");
  for (auto& [kind, count] : faults)
    std::printf("  %-24s %llu\n", kind.c_str(),
                static_cast<unsigned long long>(count));
  std::printf("orders at rest:\n");
  for (auto& [outcome, count] : outcomes)
    std::printf("  %-24s %llu\n", outcome.c_str(),
                static_cast<unsigned long long>(count));
  std::printf("%llu seeds passed (%llu to %llu), %llu steps, %llu events, "
              "%.1f s\n",
              static_cast<unsigned long long>(seeds),
              static_cast<unsigned long long>(first_seed),
              static_cast<unsigned long long>(first_seed + seeds - 1),
              static_cast<unsigned long long>(steps),
              static_cast<unsigned long long>(events),
              static_cast<double>(elapsed.count()) / 1000.0);
  return 0;
}
