#include "actors/recovery.hpp"
#include "events/byte_order.hpp"
#include "events/codec.hpp"

#include <caf/detail/simple_actor_clock.hpp>

#include <rocksdb/write_batch.h>

#include "../support/actor_harness.hpp"
#include "../support/callers.hpp"
#include "../support/temp_directory.hpp"

using namespace tillroll;
using tillroll::testing::buyer;
using tillroll::testing::seller;
using namespace std::chrono_literals;

namespace {

const timestamp start_time{std::chrono::seconds{1'790'000'000}};

std::vector<std::string> event_names(event_log& log,
                                     const std::string& stream) {
  std::vector<std::string> names;
  REQUIRE(
      log.read_stream(stream, 1, UINT64_MAX, [&](const recorded_event& record) {
        names.emplace_back(event_name(*decode_event<sku_event>(record)));
        return true;
      }));
  return names;
}

/// Snapshot + tail, as activation does, equals a replay of every event.
template <class Entity>
void check_snapshot_plus_tail(event_log& log, snapshot_store& snapshots,
                              const std::string& stream) {
  auto from_snapshot = recover_state<Entity>(log, &snapshots, stream);
  auto from_zero = recover_state<Entity>(log, nullptr, stream);
  REQUIRE(from_snapshot);
  REQUIRE(from_zero);
  CHECK(from_snapshot->snapshot_sequence > 0);
  CHECK(from_zero->snapshot_sequence == 0);
  CHECK(from_snapshot->sequence == from_zero->sequence);
  CHECK(encode_payload(from_snapshot->state) ==
        encode_payload(from_zero->state));
}

void register_sku_with(test::actor_harness& harness, const std::string& sku,
                       int64_t stock) {
  REQUIRE(harness.ask<sku_entity>(
      sku, register_sku{"product-1", "seller-1", 1999, "USD", stock}));
}

} // namespace

TEST_CASE("an entity recovers its state from the log after a restart") {
  test::temp_directory directory;
  {
    test::actor_harness harness{directory.path(), start_time};
    register_sku_with(harness, "TSHIRT", 10);
    REQUIRE(
        harness.ask<sku_entity>("TSHIRT", reserve_stock{"order-1", 3, 10min}));
    REQUIRE(harness.ask<sku_entity>("TSHIRT", confirm_reservation{"order-1"}));
    REQUIRE(
        harness.ask<sku_entity>("TSHIRT", reserve_stock{"order-2", 2, 10min}));
  }
  test::actor_harness harness{directory.path(), start_time + 1s};
  auto view = harness.ask<sku_entity>("TSHIRT", get_sku{});
  REQUIRE(view);
  CHECK(view->sold == 3);
  CHECK(view->reserved == 2);
  CHECK(view->available == 5);
}

TEST_CASE("a rejected command is answered with its error and writes nothing") {
  test::temp_directory directory;
  test::actor_harness harness{directory.path(), start_time};
  register_sku_with(harness, "MUG", 1);
  auto refused =
      harness.ask<sku_entity>("MUG", reserve_stock{"order-1", 2, 10min});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::out_of_stock);
  CHECK(*harness.log->stream_head("sku-MUG") == 2);
  auto unknown = harness.ask<sku_entity>("NOPE", get_sku{});
  CHECK(unknown.error().code == errc::not_found);
}

TEST_CASE("commands sent together are answered in order and batched") {
  test::temp_directory directory;
  test::actor_harness harness{directory.path(), start_time};
  register_sku_with(harness, "HOT", 30);
  auto answers = std::make_shared<std::vector<std::pair<int, bool>>>();
  for (int index = 0; index < 50; ++index) {
    auto target = harness.registry;
    harness.system->spawn(
        [=](caf::event_based_actor* self, caf::actor target) {
          self->request(target, caf::infinite, route_atom::value,
                        std::string{"sku"}, std::string{"HOT"},
                        caf::make_message(sku_command{reserve_stock{
                            "order-" + std::to_string(index), 1, 10min}}))
              .then([=](sku_view&) { answers->emplace_back(index, true); },
                    [=](caf::error&) { answers->emplace_back(index, false); });
        },
        target);
  }
  harness.run();
  REQUIRE(answers->size() == 50);
  int accepted = 0;
  for (auto& [index, ok] : *answers)
    accepted += ok ? 1 : 0;
  CHECK(accepted == 30);
  auto view = harness.ask<sku_entity>("HOT", get_sku{});
  CHECK(view->reserved == 30);
  CHECK(view->available == 0);
  CHECK(harness.writer->stats().batches < 31);
}

TEST_CASE("snapshot plus tail equals a full replay") {
  test::temp_directory directory;
  entity_settings settings;
  settings.snapshot_every_events = 10;
  test::actor_harness harness{directory.path(), start_time, settings};
  register_sku_with(harness, "SNAP", 100);
  for (int index = 0; index < 27; ++index)
    REQUIRE(harness.ask<sku_entity>(
        "SNAP", reserve_stock{"order-" + std::to_string(index), 1, 10min}));
  for (int index = 0; index < 9; ++index)
    REQUIRE(harness.ask<sku_entity>(
        "SNAP", confirm_reservation{"order-" + std::to_string(index)}));
  // A tail after the last snapshot.
  REQUIRE(harness.ask<sku_entity>("SNAP", adjust_stock{1, seller("seller-1")}));
  auto taken = harness.snapshots->load("sku-SNAP");
  REQUIRE(taken->has_value());
  CHECK((*taken)->sequence >= 10);
  CHECK((*taken)->sequence < *harness.log->stream_head("sku-SNAP"));
  check_snapshot_plus_tail<sku_entity>(*harness.log, *harness.snapshots,
                                       "sku-SNAP");
}

TEST_CASE("an outdated snapshot is ignored and the state rebuilt from events") {
  test::temp_directory directory;
  {
    test::actor_harness harness{directory.path(), start_time};
    register_sku_with(harness, "OLD", 7);
    REQUIRE(harness.snapshots->save(
        "sku-OLD", snapshot{sku_entity::snapshot_version + 1, 2, "garbage"}));
  }
  test::actor_harness harness{directory.path(), start_time};
  auto view = harness.ask<sku_entity>("OLD", get_sku{});
  REQUIRE(view);
  CHECK(view->available == 7);
}

TEST_CASE(
    "an idle entity passivates with a snapshot and comes back on demand") {
  test::temp_directory directory;
  entity_settings settings;
  settings.idle_timeout = 1s;
  test::actor_harness harness{directory.path(), start_time, settings};
  register_sku_with(harness, "IDLE", 4);
  CHECK(harness.live() == 1);
  harness.advance(2s);
  CHECK(harness.live() == 0);
  auto taken = harness.snapshots->load("sku-IDLE");
  REQUIRE(taken->has_value());
  CHECK((*taken)->sequence == 2);
  auto view =
      harness.ask<sku_entity>("IDLE", reserve_stock{"order-1", 1, 10min});
  REQUIRE(view);
  CHECK(view->available == 3);
  CHECK(harness.live() == 1);
}

TEST_CASE("a reservation TTL fires as an event while the entity is live") {
  test::temp_directory directory;
  test::actor_harness harness{directory.path(), start_time};
  register_sku_with(harness, "TTL", 2);
  REQUIRE(harness.ask<sku_entity>("TTL", reserve_stock{"order-1", 2, 60s}));
  harness.advance(59s);
  CHECK(harness.ask<sku_entity>("TTL", get_sku{})->reserved == 2);
  harness.advance(2s);
  CHECK(harness.ask<sku_entity>("TTL", get_sku{})->reserved == 0);
  CHECK(event_names(*harness.log, "sku-TTL").back() == "reservation_expired");
}

TEST_CASE("an overdue timer fires at once after a restart") {
  test::temp_directory directory;
  {
    test::actor_harness harness{directory.path(), start_time};
    register_sku_with(harness, "LATE", 5);
    REQUIRE(harness.ask<sku_entity>("LATE", reserve_stock{"order-1", 5, 60s}));
  }
  // The node was down past the TTL; nobody asks for the SKU, yet the
  // registry wakes it from the timer index.
  test::actor_harness harness{directory.path(), start_time + 120s};
  CHECK(event_names(*harness.log, "sku-LATE").back() == "reservation_expired");
  CHECK(harness.ask<sku_entity>("LATE", get_sku{})->available == 5);
}

TEST_CASE("a passivated entity leaves no timer behind that holds it in "
          "memory, and is woken when its deadline comes") {
  test::temp_directory directory;
  entity_settings settings;
  settings.idle_timeout = 1s;
  test::actor_harness harness{directory.path(), start_time, settings};
  auto ttl = 30s;
  SUBCASE("a near deadline") {}
  SUBCASE("a deadline ten minutes off") {
    ttl = 10min;
  }
  register_sku_with(harness, "SLEEPY", 3);
  REQUIRE(harness.ask<sku_entity>("SLEEPY", reserve_stock{"order-1", 3, ttl}));
  harness.advance(3s);
  CHECK(harness.live() == 0);
  // A delayed message keeps its receiver alive until it fires: one left
  // for the passivated SKU would keep it in memory until its deadline.
  using clock_type = caf::detail::simple_actor_clock;
  auto registry = caf::actor_cast<caf::strong_actor_ptr>(harness.registry);
  size_t held = 0;
  for (auto& [due, event] : harness.scheduler->clock().schedule())
    if (event->subtype == clock_type::actor_msg_type &&
        static_cast<clock_type::actor_msg&>(*event).receiver != registry)
      ++held;
  CHECK(held == 0);
  harness.advance(ttl);
  CHECK(event_names(*harness.log, "sku-SLEEPY").back() ==
        "reservation_expired");
}

TEST_CASE("a message for an entity that is retiring goes to its successor") {
  test::temp_directory directory;
  entity_settings settings;
  settings.idle_timeout = 1s;
  test::actor_harness harness{directory.path(), start_time, settings};
  register_sku_with(harness, "BUSY", 6);
  // Step by step: the idle timeout fires, the entity asks to passivate,
  // the registry marks it retiring and tells it to stop.
  *harness.now += 2s;
  harness.scheduler->advance_time(std::chrono::seconds{2});
  REQUIRE(harness.scheduler->try_run_once());
  REQUIRE(harness.scheduler->try_run_once());
  // Before the old actor runs its stop, a command reaches the registry: it
  // must be held, then handed to a fresh actor once the old one is gone.
  auto answer = std::make_shared<std::optional<expected<sku_view>>>();
  auto target = harness.registry;
  harness.system->spawn(
      [=](caf::event_based_actor* self, caf::actor target) {
        self->request(target, caf::infinite, route_atom::value,
                      std::string{"sku"}, std::string{"BUSY"},
                      caf::make_message(
                          sku_command{reserve_stock{"order-1", 2, 10min}}))
            .then([=](sku_view& view) { answer->emplace(view); },
                  [=](caf::error& error) {
                    answer->emplace(from_caf_error(error));
                  });
      },
      target);
  REQUIRE(harness.scheduler->try_run_once_lifo());
  harness.run();
  REQUIRE(answer->has_value());
  REQUIRE(**answer);
  CHECK((**answer)->available == 4);
  CHECK(harness.live() == 1);
  CHECK(harness.snapshots->load("sku-BUSY")->has_value());
}

TEST_CASE("hundreds of reservations expiring at once all expire") {
  test::temp_directory directory;
  test::actor_harness harness{directory.path(), start_time};
  register_sku_with(harness, "MANY", 1000);
  for (int index = 0; index < 600; ++index)
    REQUIRE(harness.ask<sku_entity>(
        "MANY", reserve_stock{"order-" + std::to_string(index), 1, 30s}));
  harness.advance(31s);
  auto view = harness.ask<sku_entity>("MANY", get_sku{});
  REQUIRE(view);
  CHECK(view->reserved == 0);
  CHECK(view->available == 1000);
}

TEST_CASE("an entity activated from a snapshot knows the snapshot's size, so "
          "a large state is not snapshotted again too soon") {
  test::temp_directory directory;
  entity_settings settings;
  settings.idle_timeout = 1s;
  test::actor_harness harness{directory.path(), start_time, settings};
  register_sku_with(harness, "SIZED", 100);
  for (int index = 0; index < 40; ++index)
    REQUIRE(harness.ask<sku_entity>(
        "SIZED", reserve_stock{"order-" + std::to_string(index), 1, 10min}));
  harness.advance(2s);
  auto taken = harness.snapshots->load("sku-SIZED");
  REQUIRE(taken->has_value());
  auto recovered = recover_state<sku_entity>(
      *harness.log, harness.snapshots.get(), "sku-SIZED");
  REQUIRE(recovered);
  CHECK(recovered->snapshot_bytes == (*taken)->state.size());
  CHECK(recovered->snapshot_bytes > 0);
}

TEST_CASE("a sequence conflict is retried on the state rebuilt from the log, "
          "never answered as a conflict") {
  test::temp_directory directory;
  test::actor_harness harness{directory.path(), start_time};
  register_sku_with(harness, "MOVED", 10);
  // The stream moves under the live actor (as when a successor rebuilt
  // before its predecessor's last append landed).
  auto head = harness.log->stream_head("sku-MOVED");
  REQUIRE(head);
  sku_event received = stock_received{5};
  REQUIRE(harness.writer->append_and_wait(
      {"sku-MOVED",
       *head,
       {to_new_event(received, {start_time, "", ""})},
       {},
       {}}));
  auto reserved =
      harness.ask<sku_entity>("MOVED", reserve_stock{"order-1", 3, 10min});
  REQUIRE_MESSAGE(reserved, reserved.error().message);
  // Decided again on the rebuilt state, which has the five units.
  CHECK(reserved->available == 12);
  CHECK(event_names(*harness.log, "sku-MOVED").back() == "stock_reserved");
}

TEST_CASE("unfinished entities are resumed after a start however many timers "
          "wait") {
  test::temp_directory directory;
  {
    test::actor_harness harness{directory.path(), start_time};
    register_sku_with(harness, "RESUMED", 1);
    for (int index = 0; index < 50; ++index)
      register_sku_with(harness, "TIMED" + std::to_string(index), 1);
  }
  {
    // 50 timers far ahead and one entity with work left, written as the
    // entity shell writes them.
    auto log = std::move(*event_log::open({directory.path()}));
    rocksdb::WriteBatch batch;
    auto* metadata = log->family(column_family::metadata);
    auto far =
        (start_time + std::chrono::hours{24 * 30}).time_since_epoch().count();
    for (int index = 0; index < 50; ++index) {
      std::string value;
      append_big_endian(value, static_cast<uint64_t>(far));
      auto stream = "sku-TIMED" + std::to_string(index);
      batch.Put(metadata, timer_key(stream), value);
    }
    batch.Put(metadata, resume_key("sku-RESUMED"), "1");
    REQUIRE(log->write(batch, true));
  }
  registry_settings small;
  small.timers_page_max = 10;
  small.resumes_page_max = 10;
  test::actor_harness harness{directory.path(), start_time, {}, small};
  // The resumed entity is live; the timers a month ahead wake nobody yet.
  CHECK(harness.live() == 1);
}

TEST_CASE("a timer set between an entity's passivation and its retirement "
          "still wakes it") {
  test::temp_directory directory;
  entity_settings settings;
  settings.idle_timeout = 1s;
  test::actor_harness harness{directory.path(), start_time, settings};
  register_sku_with(harness, "BETWEEN", 3);
  // A reservation is on its way to the registry when the idle timeout
  // fires: the registry hands it over, then takes the passivation.
  auto target = harness.registry;
  harness.system->spawn(
      [=](caf::event_based_actor* self, caf::actor target) {
        self->request(target, caf::infinite, route_atom::value,
                      std::string{"sku"}, std::string{"BETWEEN"},
                      caf::make_message(
                          sku_command{reserve_stock{"order-1", 2, 30s}}))
            .then([](sku_view&) {}, [](caf::error&) {});
      },
      target);
  *harness.now += 2s;
  harness.scheduler->advance_time(std::chrono::seconds{2});
  harness.run();
  CHECK(harness.live() == 0);
  harness.advance(31s);
  CHECK(event_names(*harness.log, "sku-BETWEEN").back() ==
        "reservation_expired");
}
