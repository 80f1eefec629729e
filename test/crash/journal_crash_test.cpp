// RocksDB-style blackbox crash test: a real child process appends under
// load and is SIGKILLed at random points; after each kill the log must hold
// every acknowledged append, with no holes in any stream or in the global
// order. The seed is printed; TILLROLL_CRASH_SEED replays a run.
#include "events/event_log.hpp"
#include "events/keys.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <signal.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "../support/crash_round.hpp"
#include "../support/temp_directory.hpp"

using namespace tillroll;

namespace {

/// The highest acknowledged sequence per stream; a torn last line is
/// ignored (it was being written when the kill came).
std::map<std::string, uint64_t> read_acks(const std::string& path) {
  std::map<std::string, uint64_t> acked;
  std::ifstream file{path};
  std::string line;
  while (std::getline(file, line)) {
    if (file.eof())
      break;
    std::istringstream fields{line};
    std::string stream;
    uint64_t sequence = 0;
    if (fields >> stream >> sequence)
      acked[stream] = std::max(acked[stream], sequence);
  }
  return acked;
}

} // namespace

TEST_CASE("every acknowledged append survives kill -9, with no holes") {
  std::mt19937_64 random{test::crash_seed()};
  test::temp_directory directory;
  auto data_dir = (directory.path() / "data").string();
  auto acks = (directory.path() / "acks").string();
  constexpr int rounds = 20;
  constexpr int writers = 16;
  uint64_t total_acked = 0;
  for (int round = 0; round < rounds; ++round) {
    test::run_and_kill(TILLROLL_CRASH_WRITER, data_dir, acks,
                       std::to_string(writers), random, 1000);

    auto acked = read_acks(acks);
    auto log = event_log::open({data_dir});
    REQUIRE(log);
    uint64_t events_in_streams = 0;
    for (int writer = 0; writer < writers; ++writer) {
      auto stream = "crash-w" + std::to_string(writer);
      uint64_t seen = 0;
      auto read = (*log)->read_stream(stream, 1, UINT64_MAX,
                                      [&](const recorded_event& event) {
                                        seen = event.sequence;
                                        return true;
                                      });
      REQUIRE_MESSAGE(read, "round " << round << ": " << read.error().message);
      CHECK_MESSAGE(seen >= acked[stream],
                    "round " << round << ": " << stream << " acknowledged "
                             << acked[stream] << " but holds " << seen);
      events_in_streams += seen;
    }
    auto last = (*log)->last_position();
    REQUIRE(last);
    CHECK(*last == events_in_streams);
    uint64_t expected_position = 1;
    for (;;) {
      auto batch = (*log)->read_global(expected_position, 10'000);
      REQUIRE(batch);
      if (batch->empty())
        break;
      for (auto& event : *batch)
        REQUIRE(event.position == expected_position++);
    }
    CHECK(expected_position - 1 == *last);
    total_acked = 0;
    for (auto& [stream, sequence] : acked)
      total_acked += sequence;
  }
  MESSAGE("acknowledged events after " << rounds << " kills: " << total_acked);
  CHECK(total_acked > 0);
}
