#include "actors/sku/sku_state.hpp"

#include <doctest/doctest.h>

using namespace tillroll;
using namespace std::chrono_literals;

namespace {

timestamp at_seconds(int64_t seconds) {
  return timestamp{std::chrono::seconds{seconds}};
}

sku_state run(sku_state state, const sku_command& command, timestamp now) {
  auto decided = decide(state, command, now);
  REQUIRE(decided);
  for (auto& event : *decided)
    apply_event(state, event);
  return state;
}

sku_state registered(int64_t stock) {
  return run({}, register_sku{"product-1", "seller-1", 1000, "USD", stock},
             at_seconds(0));
}

} // namespace

TEST_CASE("a reservation beyond what is available is refused as out of stock") {
  auto state = registered(3);
  state = run(state, reserve_stock{"order-1", 2, 10min}, at_seconds(1));
  CHECK(state.available() == 1);
  auto short_of =
      decide(state, reserve_stock{"order-2", 2, 10min}, at_seconds(1));
  REQUIRE_FALSE(short_of);
  CHECK(short_of.error().code == errc::out_of_stock);
}

TEST_CASE("a retried reserve or confirm changes nothing twice") {
  auto state = registered(5);
  state = run(state, reserve_stock{"order-1", 2, 10min}, at_seconds(1));
  CHECK(decide(state, reserve_stock{"order-1", 2, 10min}, at_seconds(2))
            ->empty());
  state = run(state, confirm_reservation{"order-1"}, at_seconds(3));
  CHECK(state.sold == 2);
  CHECK(state.reserved == 0);
  CHECK(decide(state, confirm_reservation{"order-1"}, at_seconds(4))->empty());
  CHECK(decide(state, reserve_stock{"order-1", 2, 10min}, at_seconds(4))
            ->empty());
  CHECK(decide(state, reserve_stock{"order-1", 3, 10min}, at_seconds(4))
            .error()
            .code == errc::conflict);
}

TEST_CASE("a reservation past its TTL gives its stock back") {
  auto state = registered(5);
  state = run(state, reserve_stock{"order-1", 4, 10min}, at_seconds(0));
  CHECK(next_deadline(state) == at_seconds(600));
  CHECK_FALSE(sku_entity::on_deadline(state, at_seconds(599)));
  auto command = sku_entity::on_deadline(state, at_seconds(600));
  REQUIRE(command);
  state = run(state, *command, at_seconds(600));
  CHECK(state.available() == 5);
  CHECK(state.reserved == 0);
  CHECK_FALSE(next_deadline(state));
  CHECK(decide(state, confirm_reservation{"order-1"}, at_seconds(601))
            .error()
            .code == errc::wrong_state);
}

TEST_CASE("stock cannot be removed below what is sold and reserved") {
  auto state = registered(5);
  state = run(state, reserve_stock{"order-1", 3, 10min}, at_seconds(0));
  CHECK(decide(state, adjust_stock{-3}, at_seconds(1)).error().code ==
        errc::conflict);
  state = run(state, adjust_stock{-2}, at_seconds(1));
  CHECK(state.available() == 0);
  CHECK(state.received == 3);
}

TEST_CASE("bad commands are refused with invalid_argument") {
  auto state = registered(5);
  CHECK(decide(state, reserve_stock{"order-1", 0, 10min}, at_seconds(0))
            .error()
            .code == errc::invalid_argument);
  CHECK(
      decide(state, reserve_stock{"", 1, 10min}, at_seconds(0)).error().code ==
      errc::invalid_argument);
  CHECK(decide(state, adjust_stock{0}, at_seconds(0)).error().code ==
        errc::invalid_argument);
  CHECK(decide(state, set_price{-1, "USD"}, at_seconds(0)).error().code ==
        errc::invalid_argument);
  CHECK(decide(state, set_price{100, "usd"}, at_seconds(0)).error().code ==
        errc::invalid_argument);
  CHECK(decide(sku_state{}, get_sku{}, at_seconds(0)).error().code ==
        errc::not_found);
}

TEST_CASE("a payment in flight extends the hold") {
  auto state = registered(1);
  state = run(state, reserve_stock{"order-1", 1, 1min}, at_seconds(0));
  state = run(state, extend_reservation{"order-1", 5min}, at_seconds(30));
  CHECK(next_deadline(state) == at_seconds(330));
  CHECK_FALSE(sku_entity::on_deadline(state, at_seconds(61)));
}

TEST_CASE("a timer tick expires a bounded number of reservations") {
  auto state = registered(1000);
  for (int index = 0; index < 300; ++index)
    state = run(state, reserve_stock{"order-" + std::to_string(index), 1, 1min},
                at_seconds(0));
  auto first = decide(state, expire_reservations{}, at_seconds(61));
  REQUIRE(first);
  CHECK(first->size() == expirations_per_command_max);
  state = run(state, expire_reservations{}, at_seconds(61));
  CHECK(sku_entity::on_deadline(state, at_seconds(61)));
  state = run(state, expire_reservations{}, at_seconds(61));
  CHECK(state.reserved == 0);
  CHECK_FALSE(sku_entity::on_deadline(state, at_seconds(61)));
}
