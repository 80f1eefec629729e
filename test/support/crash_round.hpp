// One round of a blackbox crash test: start a writer process, let it
// acknowledge something, kill it with SIGKILL at a random point.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <signal.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace tillroll::test {

inline uint64_t file_size(const std::string& path) {
  std::error_code ignored;
  auto size = std::filesystem::file_size(path, ignored);
  return ignored ? 0 : size;
}

/// The seed of a randomized crash test: TILLROLL_CRASH_SEED replays one.
inline uint64_t crash_seed() {
  uint64_t seed = std::random_device{}();
  if (auto* given = std::getenv("TILLROLL_CRASH_SEED"))
    seed = std::stoull(given);
  MESSAGE("crash seed " << seed << " (TILLROLL_CRASH_SEED replays it)");
  return seed;
}

/// Runs `writer DATA_DIR ACK_FILE ARGUMENT` until it has acknowledged
/// something new, then for a random 1 to `kill_after_ms_max` ms more, and
/// kills it with SIGKILL. The kill falls anywhere in the writer's run (a
/// long range, not just after its first answer); a round in which the
/// writer acknowledged nothing fails, since it would prove nothing.
inline void run_and_kill(const char* writer, const std::string& data_dir,
                         const std::string& acks, const std::string& argument,
                         std::mt19937_64& random, int kill_after_ms_max) {
  auto before = file_size(acks);
  auto child = fork();
  if (child == 0) {
    execl(writer, writer, data_dir.c_str(), acks.c_str(), argument.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  REQUIRE(child > 0);
  // Bounded wait until this round has acknowledged something.
  for (int tries = 0; tries < 2000 && file_size(acks) <= before; ++tries)
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  if (file_size(acks) <= before) {
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    FAIL("the writer acknowledged nothing in 10 s: the round proves nothing");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds{
      std::uniform_int_distribution<int>{1, kill_after_ms_max}(random)});
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(WIFSIGNALED(status));
}

} // namespace tillroll::test
