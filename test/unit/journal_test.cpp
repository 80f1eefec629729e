#include "actors/cluster/membership.hpp"
#include "events/event_log.hpp"
#include "events/journal.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "../support/temp_directory.hpp"

using namespace tillroll;

namespace {

new_event some_event(std::string payload = "payload") {
  return new_event{1, 1, std::move(payload), now_timestamp(), "", ""};
}

std::unique_ptr<event_log> open_log(const std::filesystem::path& path) {
  auto log = event_log::open({path});
  REQUIRE(log);
  return std::move(*log);
}

} // namespace

TEST_CASE("an append with a stale expected sequence is a conflict") {
  test::temp_directory directory;
  auto log = open_log(directory.path());
  journal writer{*log, {}};
  REQUIRE(writer.start());
  auto first = writer.append_and_wait({"test-a", 0, {some_event()}, {}, {}});
  REQUIRE(first);
  CHECK(first->first_sequence == 1);
  CHECK(first->last_position == 1);
  auto stale = writer.append_and_wait({"test-a", 0, {some_event()}, {}, {}});
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == errc::conflict);
  auto ahead = writer.append_and_wait({"test-a", 5, {some_event()}, {}, {}});
  CHECK(ahead.error().code == errc::conflict);
  auto second = writer.append_and_wait(
      {"test-a", 1, {some_event("x"), some_event("y")}, {}, {}});
  REQUIRE(second);
  CHECK(second->first_sequence == 2);
  CHECK(second->last_sequence == 3);
  CHECK(*log->stream_head("test-a") == 3);
  CHECK(*log->stream_head("test-b") == 0);
}

TEST_CASE("concurrent appenders to one stream never overwrite each other") {
  test::temp_directory directory;
  auto log = open_log(directory.path());
  journal writer{*log, {}};
  REQUIRE(writer.start());
  // Written alone when the journal is idle, or always through the writer.
  bool alone = false;
  SUBCASE("through the writer") {}
  SUBCASE("alone when idle") {
    alone = true;
  }
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> conflicts{0};
  std::vector<std::thread> appenders;
  for (int index = 0; index < 8; ++index)
    appenders.emplace_back([&, index] {
      for (int round = 0; round < 40; ++round) {
        auto head = *log->stream_head("test-shared");
        append_request request{
            "test-shared", head, {some_event(std::to_string(index))}, {}, {}};
        request.may_write_alone = alone;
        auto appended = writer.append_and_wait(std::move(request));
        if (appended)
          ++accepted;
        else if (appended.error().code == errc::conflict)
          ++conflicts;
      }
    });
  for (auto& appender : appenders)
    appender.join();
  CHECK(accepted + conflicts == 8 * 40);
  CHECK(*log->stream_head("test-shared") == accepted.load());
  uint64_t seen = 0;
  REQUIRE(log->read_stream("test-shared", 1, UINT64_MAX,
                           [&](const recorded_event& event) {
                             CHECK(event.sequence == ++seen);
                             return true;
                           }));
  CHECK(seen == accepted.load());
}

TEST_CASE("an append to an idle journal with nothing else waiting on its "
          "appender is fsync'd and answered on the appender's thread") {
  test::temp_directory directory;
  auto log = open_log(directory.path());
  journal writer{*log, {}};
  REQUIRE(writer.start());
  auto appended_on = [&](bool alone) {
    std::promise<std::thread::id> answered;
    auto answered_on = answered.get_future();
    append_request request{"test-a",
                           *log->stream_head("test-a"),
                           {some_event()},
                           {},
                           [&](expected<append_receipt> receipt) {
                             REQUIRE(receipt);
                             answered.set_value(std::this_thread::get_id());
                           }};
    request.may_write_alone = alone;
    writer.append(std::move(request));
    return answered_on.get();
  };
  CHECK(appended_on(true) == std::this_thread::get_id());
  CHECK(writer.stats().syncs == 1);
  CHECK(writer.committed_position() == 1);
  CHECK(appended_on(false) != std::this_thread::get_id());
  CHECK(writer.stats().syncs == 2);
  CHECK(*log->stream_head("test-a") == 2);
}

TEST_CASE("group commit: concurrent appends share fsyncs") {
  test::temp_directory directory;
  auto log = open_log(directory.path());
  journal writer{*log, {}};
  REQUIRE(writer.start());
  constexpr int appenders_count = 64;
  constexpr int rounds = 20;
  std::vector<std::thread> appenders;
  for (int index = 0; index < appenders_count; ++index)
    appenders.emplace_back([&, index] {
      auto stream = "test-" + std::to_string(index);
      for (uint64_t round = 0; round < rounds; ++round)
        REQUIRE(
            writer.append_and_wait({stream, round, {some_event()}, {}, {}}));
    });
  for (auto& appender : appenders)
    appender.join();
  auto stats = writer.stats();
  CHECK(stats.events == appenders_count * rounds);
  MESSAGE("appends " << stats.appends << " in " << stats.syncs << " fsyncs");
  CHECK(stats.syncs * 4 < stats.events);
  CHECK(*log->last_position() == appenders_count * rounds);
}

TEST_CASE("the global order has every event once, in append order") {
  test::temp_directory directory;
  auto log = open_log(directory.path());
  journal writer{*log, {}};
  REQUIRE(writer.start());
  for (int index = 0; index < 10; ++index)
    REQUIRE(writer.append_and_wait({"test-" + std::to_string(index % 3),
                                    static_cast<uint64_t>(index / 3),
                                    {some_event()},
                                    {},
                                    {}}));
  auto all = log->read_global(1, 100);
  REQUIRE(all);
  REQUIRE(all->size() == 10);
  for (size_t index = 0; index < 10; ++index)
    CHECK((*all)[index].position == index + 1);
  auto tail = log->read_global(8, 100);
  CHECK(tail->size() == 3);
}

TEST_CASE("the journal resumes global positions after reopening") {
  test::temp_directory directory;
  {
    auto log = open_log(directory.path());
    journal writer{*log, {}};
    REQUIRE(writer.start());
    REQUIRE(writer.append_and_wait({"test-a", 0, {some_event()}, {}, {}}));
  }
  auto log = open_log(directory.path());
  journal writer{*log, {}};
  REQUIRE(writer.start());
  auto next = writer.append_and_wait({"test-a", 1, {some_event()}, {}, {}});
  REQUIRE(next);
  CHECK(next->last_position == 2);
  CHECK(next->last_sequence == 2);
}

TEST_CASE("bad appends are refused without writing") {
  test::temp_directory directory;
  auto log = open_log(directory.path());
  journal writer{*log, {}};
  REQUIRE(writer.start());
  CHECK(writer.append_and_wait({"nokind", 0, {some_event()}, {}, {}})
            .error()
            .code == errc::invalid_argument);
  CHECK(writer.append_and_wait({"test-a", 0, {}, {}, {}}).error().code ==
        errc::invalid_argument);
  CHECK(writer
            .append_and_wait(
                {"test-a",
                 0,
                 {some_event(std::string(payload_size_max + 1, 'x'))},
                 {},
                 {}})
            .error()
            .code == errc::too_large);
  CHECK(*log->last_position() == 0);
}

TEST_CASE("a cluster member's journal refuses an append for a stream "
          "another member owns, and writes nothing") {
  test::temp_directory directory;
  auto log = open_log(directory.path());
  auto cluster = parse_membership("a", "a=h:1,b=h:2,c=h:3");
  REQUIRE(cluster);
  journal_options options;
  options.owns_stream = [&](std::string_view stream) {
    return cluster->owns(stream);
  };
  journal writer{*log, options};
  REQUIRE(writer.start());
  // Placed by the rendezvous hash (test/unit/membership_test.cpp).
  auto theirs =
      writer.append_and_wait({"product-p1", 0, {some_event()}, {}, {}});
  REQUIRE_FALSE(theirs);
  CHECK(theirs.error().code == errc::not_owner);
  CHECK(*log->last_position() == 0);
  CHECK(*log->stream_head("product-p1") == 0);
  auto ours =
      writer.append_and_wait({"sku-TSHIRT-RED-M", 0, {some_event()}, {}, {}});
  REQUIRE(ours);
  CHECK(*log->last_position() == 1);
}

TEST_CASE("every durability mode acknowledges appends") {
  for (auto mode : {durability::always, durability::batch, durability::off}) {
    test::temp_directory directory;
    auto log = open_log(directory.path());
    journal_options options;
    options.mode = mode;
    journal writer{*log, options};
    REQUIRE(writer.start());
    for (uint64_t round = 0; round < 5; ++round)
      REQUIRE(
          writer.append_and_wait({"test-a", round, {some_event()}, {}, {}}));
    CHECK(*log->stream_head("test-a") == 5);
  }
  CHECK(parse_durability("batch") == durability::batch);
  CHECK_FALSE(parse_durability("sometimes"));
}
