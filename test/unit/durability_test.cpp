// The journal against a file system that loses what was not fsync'd
// (events/storage_faults.hpp): power loss at seeded random points, torn
// tails, failed fsyncs and failed writes. Each round checks, from the
// files left on disk, that every acknowledged append is there and that
// each stream is a prefix of what was sent.
#include "actors/recovery.hpp"
#include "app/audit.hpp"
#include "events/event_log.hpp"
#include "events/journal.hpp"
#include "events/keys.hpp"
#include "events/storage_faults.hpp"

#include <doctest/doctest.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "../support/callers.hpp"
#include "../support/node_fixture.hpp"
#include "../support/temp_directory.hpp"
#include "../support/wait.hpp"

using namespace tillroll;
using tillroll::testing::buyer;
using tillroll::testing::seller;

namespace {

/// The seed of a randomized test: TILLROLL_FAULT_SEED replays one.
uint64_t fault_seed() {
  uint64_t seed = std::random_device{}();
  if (auto* given = std::getenv("TILLROLL_FAULT_SEED"))
    seed = std::stoull(given);
  MESSAGE("fault seed " << seed << " (TILLROLL_FAULT_SEED replays it)");
  return seed;
}

std::unique_ptr<event_log> open_log(const std::filesystem::path& path,
                                    std::shared_ptr<rocksdb::Env> env = {}) {
  event_log_options options{path};
  options.env = std::move(env);
  auto log = event_log::open(options);
  REQUIRE(log);
  return std::move(*log);
}

/// What the appenders sent and what the journal acknowledged.
struct ledger_of_appends {
  std::mutex mutex;
  /// Per stream, every payload sent, in sequence order.
  std::map<std::string, std::vector<std::string>> sent;
  /// Per stream, the last sequence acknowledged as durable.
  std::map<std::string, uint64_t> acknowledged;
  /// The highest global position acknowledged.
  uint64_t acknowledged_position = 0;
  std::atomic<uint64_t> acknowledgements{0};
  /// Successes delivered after the journal reported its failure.
  std::atomic<uint64_t> successes_after_failure{0};
  std::atomic<bool> failure_reported{false};
  std::atomic<uint64_t> failure_reports{0};
};

/// `writers` threads, each appending 1 to 3 events at a time to streams of
/// its own, until `stop` or the journal refuses.
void append_until_refused(journal& writer, ledger_of_appends& books,
                          size_t writers, uint64_t seed,
                          std::atomic<bool>& stop) {
  std::vector<std::thread> threads;
  for (size_t index = 0; index < writers; ++index)
    threads.emplace_back([&, index] {
      std::mt19937_64 random{seed + index};
      std::vector<uint64_t> heads(4, 0);
      while (!stop) {
        auto which = random() % heads.size();
        auto stream =
            "test-w" + std::to_string(index) + "s" + std::to_string(which);
        auto count = 1 + random() % 3;
        std::vector<new_event> events;
        std::vector<std::string> payloads;
        for (uint64_t event = 0; event < count; ++event) {
          payloads.push_back(stream + "#" +
                             std::to_string(heads[which] + event + 1));
          events.push_back({1, 1, payloads.back(), now_timestamp(), "", ""});
        }
        {
          std::lock_guard guard{books.mutex};
          auto& sent = books.sent[stream];
          sent.insert(sent.end(), payloads.begin(), payloads.end());
        }
        std::promise<expected<append_receipt>> outcome;
        auto answered = outcome.get_future();
        append_request request{stream,
                               heads[which],
                               std::move(events),
                               {},
                               [&](expected<append_receipt> receipt) {
                                 // Judged when delivered, not when the
                                 // thread gets to look.
                                 if (receipt && books.failure_reported)
                                   ++books.successes_after_failure;
                                 outcome.set_value(std::move(receipt));
                               }};
        // Half may be written alone on this thread when the journal idles.
        request.may_write_alone = random() % 2 == 0;
        writer.append(std::move(request));
        auto appended = answered.get();
        if (!appended)
          return;
        heads[which] = appended->last_sequence;
        std::lock_guard guard{books.mutex};
        books.acknowledged[stream] = appended->last_sequence;
        books.acknowledged_position =
            std::max(books.acknowledged_position, appended->last_position);
        ++books.acknowledgements;
      }
    });
  for (auto& thread : threads)
    thread.join();
}

/// Reopens the log as it is on disk and checks it against `books`.
void check_recovered(const std::filesystem::path& path,
                     ledger_of_appends& books) {
  auto log = open_log(path);
  for (auto& [stream, payloads] : books.sent) {
    auto head = log->stream_head(stream);
    REQUIRE(head);
    auto acknowledged = books.acknowledged[stream];
    CHECK_MESSAGE(*head >= acknowledged,
                  stream << " lost acknowledged events: head " << *head
                         << ", acknowledged " << acknowledged);
    REQUIRE(*head <= payloads.size());
    uint64_t sequence = 0;
    auto read = log->read_stream(stream, 1, UINT64_MAX,
                                 [&](const recorded_event& event) {
                                   CHECK(event.payload == payloads[sequence]);
                                   ++sequence;
                                   return true;
                                 });
    CHECK_MESSAGE(read, stream << ": " << read.error().message);
    CHECK(sequence == *head);
  }
  // The global order has no hole and names only events that exist.
  auto last = log->last_position();
  REQUIRE(last);
  CHECK(*last >= books.acknowledged_position);
  auto all = log->read_global(1, *last + 1);
  REQUIRE(all);
  REQUIRE(all->size() == *last);
  for (uint64_t index = 0; index < all->size(); ++index)
    CHECK((*all)[index].position == index + 1);
}

journal_options reporting(ledger_of_appends& books) {
  journal_options options;
  options.on_failure = [&books](const failure&) {
    books.failure_reported = true;
    ++books.failure_reports;
  };
  return options;
}

} // namespace

TEST_CASE("power loss at random points: every acknowledged append survives "
          "and each stream is a prefix of what was sent") {
  auto seed = fault_seed();
  std::mt19937_64 random{seed};
  constexpr int rounds = 12;
  uint64_t acknowledged_total = 0;
  uint64_t dropped_bytes = 0;
  for (int round = 0; round < rounds; ++round) {
    CAPTURE(round);
    test::temp_directory directory;
    storage_faults faults;
    ledger_of_appends books;
    {
      auto log = open_log(directory.path(), faults.env());
      journal writer{*log, reporting(books)};
      REQUIRE(writer.start());
      std::atomic<bool> stop{false};
      // Spread over the run: the cut comes after 1 to 2000 acknowledgements.
      auto cut_after = 1 + random() % 2000;
      std::thread cutter{[&] {
        for (int tries = 0;
             tries < 20'000 && books.acknowledgements < cut_after; ++tries)
          std::this_thread::sleep_for(std::chrono::microseconds{200});
        faults.power_loss();
      }};
      append_until_refused(writer, books, 8, random(), stop);
      cutter.join();
      stop = true;
      REQUIRE_MESSAGE(books.acknowledgements > 0,
                      "a round that acknowledged nothing proves nothing");
      CHECK(writer.failed());
      writer.stop();
      // Reported from the journal's thread, by the time it has stopped.
      CHECK(books.failure_reports == 1);
    }
    // Odd rounds tear the unsynced tails instead of dropping them.
    auto dropped =
        round % 2 == 0 ? faults.drop_unsynced() : faults.drop_unsynced(&random);
    REQUIRE(dropped);
    dropped_bytes += faults.stats().dropped_bytes;
    acknowledged_total += books.acknowledgements;
    check_recovered(directory.path(), books);
  }
  MESSAGE(rounds << " power losses, " << acknowledged_total
                 << " acknowledged appends checked, " << dropped_bytes
                 << " unsynced bytes dropped or torn");
}

TEST_CASE("a failed fsync fails every unacknowledged append, never advances "
          "the committed position, and stops the journal") {
  auto seed = fault_seed();
  std::mt19937_64 random{seed};
  for (int round = 0; round < 8; ++round) {
    CAPTURE(round);
    test::temp_directory directory;
    storage_faults faults;
    ledger_of_appends books;
    uint64_t committed = 0;
    {
      auto log = open_log(directory.path(), faults.env());
      journal writer{*log, reporting(books)};
      REQUIRE(writer.start());
      faults.fail_sync_after(random() % 200, fault_target::wal);
      std::atomic<bool> stop{false};
      append_until_refused(writer, books, 16, random(), stop);
      REQUIRE(writer.failed());
      CHECK(books.successes_after_failure == 0);
      committed = writer.committed_position();
      CHECK(committed == books.acknowledged_position);
      // A refused append stays refused: no retry of a failed fsync.
      auto late = writer.append_and_wait(
          {"test-late", 0, {{1, 1, "late", now_timestamp(), "", ""}}, {}, {}});
      CHECK_FALSE(late);
      CHECK(writer.committed_position() == committed);
      CHECK_FALSE(
          writer.wait_for_commit(committed + 1, std::chrono::milliseconds{1}));
      writer.stop();
      CHECK(books.failure_reports == 1);
    }
    CHECK(faults.stats().failed_syncs == 1);
    // The machine then loses power: the pages of the failed fsync are gone.
    faults.power_loss();
    REQUIRE(faults.drop_unsynced());
    check_recovered(directory.path(), books);
  }
}

TEST_CASE("a failed write fails its appends and stops the journal") {
  auto seed = fault_seed();
  std::mt19937_64 random{seed};
  test::temp_directory directory;
  storage_faults faults;
  ledger_of_appends books;
  {
    auto log = open_log(directory.path(), faults.env());
    journal writer{*log, reporting(books)};
    REQUIRE(writer.start());
    faults.fail_write_after(random() % 300, fault_target::wal);
    std::atomic<bool> stop{false};
    append_until_refused(writer, books, 8, random(), stop);
    REQUIRE(writer.failed());
    CHECK(books.successes_after_failure == 0);
    CHECK(writer.committed_position() == books.acknowledged_position);
    writer.stop();
    CHECK(books.failure_reports == 1);
  }
  CHECK(faults.stats().failed_appends >= 1);
  faults.power_loss();
  REQUIRE(faults.drop_unsynced());
  check_recovered(directory.path(), books);
}

TEST_CASE("another writer's failure during an append written alone is "
          "reported after that append's answer, never before it") {
  test::temp_directory directory;
  storage_faults faults;
  ledger_of_appends books;
  auto log = open_log(directory.path(), faults.env());
  journal writer{*log, reporting(books)};
  REQUIRE(writer.start());
  bool reported_before_answer = true;
  append_request request{
      "test-alone",
      0,
      {{1, 1, "durable", now_timestamp(), "", ""}},
      {},
      [&](expected<append_receipt> receipt) {
        REQUIRE(receipt);
        // Durable, not yet answered: a read model's write fails now, and
        // the idle writer has time for two looks at the log.
        faults.fail_write_after(0, fault_target::wal);
        CHECK_FALSE(log->put(column_family::metadata, "other", "x", false));
        std::this_thread::sleep_for(std::chrono::milliseconds{150});
        reported_before_answer = books.failure_reported;
      }};
  request.may_write_alone = true;
  writer.append(std::move(request));
  CHECK_FALSE(reported_before_answer);
  for (int look = 0; look < 100 && !books.failure_reported; ++look)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  CHECK(books.failure_reports == 1);
  CHECK(writer.failed());
  CHECK(writer.committed_position() == 1);
}

// The node over the same faults: what a client and a successor see.

TEST_CASE("after a failed fsync the node answers nothing from unsynced "
          "events, says why on readiness, and reports the failure once") {
  test::temp_directory directory;
  storage_faults faults;
  std::atomic<int> reported{0};
  test::node_fixture shop{directory.path(), [&](node_options& options) {
                            options.storage_env = faults.env();
                            options.on_storage_failure = [&](const failure&) {
                              ++reported;
                            };
                          }};
  REQUIRE(shop.ask<sku_entity>(
      "FSYNC", register_sku{"product-1", "seller-1", 1999, "USD", 10}));
  REQUIRE(test::wait_until([&] { return shop.running->ready(); }));
  faults.fail_sync_after(0, fault_target::wal);
  auto changed =
      shop.ask<sku_entity>("FSYNC", adjust_stock{5, seller("seller-1"), ""});
  REQUIRE_FALSE(changed);
  CHECK(changed.error().code == errc::storage_failure);
  // The five units are in RocksDB's memtable, never durable: a successor
  // must not rebuild from them.
  auto view = shop.ask<sku_entity>("FSYNC", get_sku{});
  if (view)
    CHECK(view->received == 10);
  else
    CHECK_MESSAGE(view.error().code == errc::storage_failure,
                  view.error().message);
  auto again =
      shop.ask<sku_entity>("FSYNC", adjust_stock{1, seller("seller-1"), ""});
  CHECK_FALSE(again);
  CHECK_FALSE(shop.running->ready());
  CHECK(shop.running->unready_reason().find("fsync failed") !=
        std::string::npos);
  REQUIRE(test::wait_until([&] { return reported.load() > 0; }));
  CHECK(reported == 1);
}

TEST_CASE("a refused append fails only its own batch and those after it: "
          "every success is in the log, every failure is not") {
  test::temp_directory directory;
  test::node_fixture shop{directory.path(), [](node_options& options) {
                            // Refusals (overloaded) while earlier appends
                            // of the same entity are still queued.
                            options.journal.queue_requests_max = 1;
                          }};
  REQUIRE(shop.ask<sku_entity>(
      "FLOOD", register_sku{"product-1", "seller-1", 1999, "USD", 0}));
  std::atomic<int64_t> successes{0};
  std::atomic<int64_t> conflicts{0};
  std::atomic<int64_t> others{0};
  std::vector<std::thread> clients;
  for (int client = 0; client < 8; ++client)
    clients.emplace_back([&] {
      caf::scoped_actor self{shop.running->system()};
      for (int round = 0; round < 60; ++round) {
        auto answer = ask<sku_entity>(self, shop.running->registry(), "FLOOD",
                                      adjust_stock{1, seller("seller-1"), ""});
        if (answer)
          ++successes;
        else if (answer.error().code == errc::conflict)
          ++conflicts;
        else if (!answer.error().retryable)
          ++others;
      }
    });
  for (auto& client : clients)
    client.join();
  auto view = shop.ask<sku_entity>("FLOOD", get_sku{});
  REQUIRE(view);
  MESSAGE(successes.load() << " of 480 stock changes accepted");
  CHECK(view->received == successes.load());
  CHECK(conflicts == 0);
  CHECK(others == 0);
  // And from the log itself, not the actor.
  int64_t logged = 0;
  REQUIRE(shop.running->log().read_stream(
      "sku-FLOOD", 1, UINT64_MAX, [&](const recorded_event& event) {
        logged += event.type_id == stock_received::type_id ? 1 : 0;
        return true;
      }));
  CHECK(logged == successes.load());
}

namespace {

/// Flips one bit in the middle of a stored value, under every checksum of
/// RocksDB's (as a flip in memory or on the way to the disk would be).
void flip_bit(event_log& log, column_family family, const std::string& key) {
  auto stored = log.get(family, key);
  REQUIRE(stored);
  REQUIRE(stored->has_value());
  auto bytes = **stored;
  bytes[bytes.size() / 2] ^= 0x10;
  rocksdb::WriteBatch batch;
  batch.Put(log.family(family), key, bytes);
  REQUIRE(log.write(batch, true));
}

} // namespace

TEST_CASE("a bit flipped in a stored event is detected: that stream refuses "
          "to load, the others load, the audit fails") {
  test::temp_directory directory;
  {
    test::node_fixture shop{directory.path()};
    REQUIRE(shop.ask<sku_entity>(
        "FLIPPED", register_sku{"product-1", "seller-1", 1999, "USD", 10}));
    REQUIRE(shop.ask<sku_entity>(
        "INTACT", register_sku{"product-2", "seller-1", 1999, "USD", 10}));
  }
  auto log = open_log(directory.path());
  flip_bit(*log, column_family::events, stream_key("sku-FLIPPED", 1));
  auto damaged = recover_state<sku_entity>(*log, nullptr, "sku-FLIPPED");
  REQUIRE_FALSE(damaged);
  CHECK(damaged.error().code == errc::corrupt_record);
  CHECK(recover_state<sku_entity>(*log, nullptr, "sku-INTACT"));
  auto report = audit(*log);
  CHECK_FALSE((report && report->ok()));
}

TEST_CASE("a bit flipped in a snapshot costs a replay, never a wrong state") {
  test::temp_directory directory;
  {
    test::node_fixture shop{directory.path(), [](node_options& options) {
                              options.entities.snapshot_every_events = 1;
                            }};
    REQUIRE(shop.ask<sku_entity>(
        "SNAPPED", register_sku{"product-1", "seller-1", 1999, "USD", 10}));
    for (int change = 0; change < 5; ++change)
      REQUIRE(shop.ask<sku_entity>("SNAPPED",
                                   adjust_stock{1, seller("seller-1"), ""}));
  }
  auto log = open_log(directory.path());
  snapshot_store snapshots{*log};
  auto before = snapshots.load("sku-SNAPPED");
  REQUIRE(before);
  REQUIRE(before->has_value());
  flip_bit(*log, column_family::snapshots, "sku-SNAPPED");
  auto reloaded = snapshots.load("sku-SNAPPED");
  REQUIRE_FALSE(reloaded);
  CHECK(reloaded.error().code == errc::corrupt_record);
  auto recovered = recover_state<sku_entity>(*log, &snapshots, "sku-SNAPPED");
  REQUIRE(recovered);
  CHECK(recovered->snapshot_sequence == 0);
  CHECK(recovered->state.received == 15);
}
