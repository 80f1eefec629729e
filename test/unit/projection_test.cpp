#include "events/event_log.hpp"
#include "events/journal.hpp"
#include "projections/projection_runner.hpp"
#include "projections/projection_tail.hpp"
#include "projections/stream_counts/stream_counts.hpp"

#include <doctest/doctest.h>

#include <map>
#include <thread>

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

namespace {

/// Stream counts that refuse an event whose payload is "poison" the first
/// `refusals` times it is applied, like a read model whose write or
/// commit fails for a while (a full disk).
class flaky_counts final : public projection {
public:
  explicit flaky_counts(int refusals, std::string name = "flaky")
      : refusals_(refusals), name_(std::move(name)) {}

  std::string_view name() const override { return name_; }
  expected<void> load_entry(std::string_view key,
                            std::string_view value) override {
    counts_[std::string{key}] = std::stoll(std::string{value});
    return {};
  }
  expected<void> apply(const recorded_event& event,
                       projection_writer& changes) override {
    if (event.payload == "poison" && refusals_ > 0) {
      --refusals_;
      return make_failure(errc::storage_failure, "no space left");
    }
    auto& count = counts_[event.stream_id];
    ++count;
    changes.put(event.stream_id, std::to_string(count));
    return {};
  }
  void reset() override { counts_.clear(); }

  int64_t count(const std::string& stream) const {
    auto found = counts_.find(stream);
    return found == counts_.end() ? 0 : found->second;
  }

private:
  int refusals_;
  std::string name_;
  std::map<std::string, int64_t> counts_;
};

} // namespace

TEST_CASE("a batch that fails part way is not counted twice when retried") {
  test::temp_directory directory;
  auto log = std::move(*event_log::open({directory.path()}));
  journal writer{*log, {}};
  REQUIRE(writer.start());
  append_events(writer, "ledger-a", 0, 5);
  REQUIRE(writer.append_and_wait(
      {"ledger-a",
       5,
       {new_event{1, 1, "poison", now_timestamp(), "", ""}},
       {},
       {}}));
  projection_runner runner{*log, &writer, std::make_unique<flaky_counts>(3)};
  REQUIRE(runner.load());
  auto& model = static_cast<flaky_counts&>(runner.model());
  for (int attempt = 0; attempt < 3; ++attempt) {
    CHECK_FALSE(runner.run_once());
    // What the failed batch applied is taken back with it.
    CHECK(model.count("ledger-a") == 0);
  }
  REQUIRE(runner.run_once());
  CHECK(model.count("ledger-a") == 6);
  CHECK(runner.lag_events() == 0);
}

TEST_CASE("a failing read model falls behind alone: the others go on") {
  test::temp_directory directory;
  auto log = std::move(*event_log::open({directory.path()}));
  journal writer{*log, {}};
  REQUIRE(writer.start());
  projection_runner failing{*log, &writer,
                            std::make_unique<flaky_counts>(1'000'000, "stuck")};
  projection_runner healthy{*log, &writer,
                            std::make_unique<flaky_counts>(0, "healthy")};
  REQUIRE(failing.load());
  REQUIRE(healthy.load());
  projection_runner_options options;
  options.batch_events_max = 16;
  options.idle_wait = std::chrono::milliseconds{5};
  projection_tail tail{*log, writer, {&failing, &healthy}, options};
  tail.start();
  REQUIRE(writer.append_and_wait(
      {"ledger-p",
       0,
       {new_event{1, 1, "poison", now_timestamp(), "", ""}},
       {},
       {}}));
  // Many batches past the stuck one.
  append_events(writer, "ledger-b", 0, 200);
  auto& model = static_cast<flaky_counts&>(healthy.model());
  for (int tries = 0; tries < 1000 && healthy.lag_events() > 0; ++tries)
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  tail.stop();
  CHECK(healthy.lag_events() == 0);
  CHECK(model.count("ledger-b") == 200);
  CHECK(failing.lag_events() == 201);
}
