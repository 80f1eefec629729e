#include "events/event_log.hpp"
#include "events/journal.hpp"
#include "projections/projection_runner.hpp"
#include "projections/stream_counts/stream_counts.hpp"

#include <doctest/doctest.h>

#include "../support/temp_directory.hpp"

using namespace tillroll;

namespace {

void append_events(journal& writer, const std::string& stream, uint64_t head,
                   int count) {
  for (int index = 0; index < count; ++index)
    REQUIRE(
        writer.append_and_wait({stream,
                                head + index,
                                {new_event{1, 1, "x", now_timestamp(), "", ""}},
                                {},
                                {}}));
}

uint64_t drain(projection_runner& runner) {
  uint64_t applied = 0;
  for (;;) {
    auto batch = runner.run_once();
    REQUIRE(batch);
    if (*batch == 0)
      return applied;
    applied += *batch;
  }
}

stream_counts& counts_of(projection_runner& runner) {
  return static_cast<stream_counts&>(runner.model());
}

} // namespace

TEST_CASE(
    "stream counts follow the log, and a restart resumes from the offset") {
  test::temp_directory directory;
  auto log = std::move(*event_log::open({directory.path()}));
  journal writer{*log, {}};
  REQUIRE(writer.start());
  append_events(writer, "sku-a", 0, 3);
  append_events(writer, "sku-b", 0, 2);
  append_events(writer, "cart-u1", 0, 4);
  {
    projection_runner runner{*log, &writer, std::make_unique<stream_counts>()};
    REQUIRE(runner.load());
    CHECK(runner.lag_events() == 9);
    CHECK(drain(runner) == 9);
    CHECK(runner.lag_events() == 0);
    auto counts = counts_of(runner).counts();
    CHECK(counts["sku"] == kind_counts{2, 5});
    CHECK(counts["cart"] == kind_counts{1, 4});
  }
  append_events(writer, "sku-c", 0, 1);
  projection_runner restarted{*log, &writer, std::make_unique<stream_counts>()};
  REQUIRE(restarted.load());
  CHECK(restarted.offset() == 9);
  CHECK(counts_of(restarted).counts()["sku"] == kind_counts{2, 5});
  CHECK(drain(restarted) == 1);
  CHECK(counts_of(restarted).counts()["sku"] == kind_counts{3, 6});
}

TEST_CASE("a rebuild from zero equals the incrementally built model") {
  test::temp_directory directory;
  auto log = std::move(*event_log::open({directory.path()}));
  journal writer{*log, {}};
  REQUIRE(writer.start());
  projection_runner incremental{*log, &writer,
                                std::make_unique<stream_counts>()};
  REQUIRE(incremental.load());
  for (int round = 0; round < 5; ++round) {
    append_events(writer, "sku-" + std::to_string(round), 0, round + 1);
    append_events(writer, "order-x", static_cast<uint64_t>(round), 1);
    drain(incremental);
  }
  auto built = counts_of(incremental).counts();
  REQUIRE(incremental.reset());
  CHECK(counts_of(incremental).counts().empty());
  CHECK(drain(incremental) == 20);
  CHECK(counts_of(incremental).counts() == built);
}

TEST_CASE("the runner thread tails new events as they commit") {
  test::temp_directory directory;
  auto log = std::move(*event_log::open({directory.path()}));
  journal writer{*log, {}};
  REQUIRE(writer.start());
  projection_runner runner{*log, &writer, std::make_unique<stream_counts>()};
  REQUIRE(runner.load());
  runner.start();
  append_events(writer, "sku-live", 0, 10);
  // Bounded wait on the runner's progress, not a sleep for a fixed time.
  for (int tries = 0; tries < 500 && runner.offset() < 10; ++tries)
    writer.wait_for_commit(UINT64_MAX, std::chrono::milliseconds{10});
  runner.stop();
  CHECK(runner.offset() == 10);
  CHECK(counts_of(runner).counts()["sku"] == kind_counts{1, 10});
}
