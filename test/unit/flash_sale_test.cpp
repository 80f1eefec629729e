// The flash sale's decider on its own: 20,000 tickets in one sale, the
// shuffle recomputed here with SHA-256 from the revealed seed, admission
// at the set rate only while units remain, and the set-aside on the SKU.
#include "actors/flash_sale/flash_sale_state.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <sodium.h>

using namespace tillroll;
using namespace std::chrono_literals;

namespace {

constexpr int64_t second = 1'000'000;

timestamp at_us(int64_t micros) {
  return timestamp{std::chrono::microseconds{micros}};
}

void run(flash_sale_state& state, const flash_sale_command& command,
         timestamp now) {
  auto decided = decide(state, command, now);
  REQUIRE_MESSAGE(decided, (decided ? "" : decided.error().message));
  for (auto& event : *decided)
    apply_event(state, event);
}

/// Runs the sale's timer until nothing more is due at `now`.
void tick(flash_sale_state& state, timestamp now) {
  for (int rounds = 0; rounds < 100'000; ++rounds) {
    auto command = flash_sale_entity::on_deadline(state, now);
    if (!command)
      return;
    auto decided = decide(state, *command, now);
    REQUIRE(decided);
    if (decided->empty())
      return;
    for (auto& event : *decided)
      apply_event(state, event);
  }
  FAIL("the timer never settles");
}

std::string hex_of(const unsigned char* bytes, size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, size);
  out.pop_back();
  return out;
}

std::string sha256(const std::string& bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest,
                     reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size());
  return hex_of(digest, sizeof digest);
}

flash_sale_state scheduled_sale(int64_t quantity, int64_t per_second,
                                int64_t starts_at) {
  flash_sale_state state;
  create_sale command{caller{"admin", role::admin},
                      {.sale_id = "fs-1",
                       .sku = "TEE-S",
                       .quantity = quantity,
                       .price_cents = 500,
                       .starts_at_us = starts_at,
                       .ends_at_us = starts_at + 3600 * second,
                       .per_user_limit = 1,
                       .admit_per_second = per_second,
                       .admission_ttl_s = 60,
                       .shuffle_seed = std::string(64, '7'),
                       .ticket_key = std::string(64, '3')}};
  run(state, command, at_us(0));
  sku_view sku;
  sku.product_id = "p1";
  sku.seller_id = "s1";
  sku.currency = "USD";
  run(state, record_allocation{sku, failure{}}, at_us(0));
  return state;
}

} // namespace

TEST_CASE("20,000 tickets: the pre-queue's order is SHA-256(seed || ticket) "
          "and admission follows it at the set rate") {
  auto state = scheduled_sale(100, 50, 10 * second);
  constexpr int buyers = 20'000;
  std::vector<std::string> tickets;
  for (int index = 0; index < buyers; ++index) {
    auto buyer = "buyer-" + std::to_string(index);
    run(state, join_sale{buyer}, at_us(second));
    tickets.push_back(view(state, join_sale{buyer}).ticket->ticket);
  }
  // Joining again changes nothing.
  CHECK(decide(state, join_sale{"buyer-7"}, at_us(second))->empty());
  CHECK(view(state, get_sale{}).terms.shuffle_seed.empty());
  CHECK(view(state, get_sale{}).pre_queue == buyers);

  tick(state, at_us(10 * second));
  auto sale = view(state, get_sale{});
  REQUIRE(sale.status == sale_status::open);
  std::string seed(32, '\0');
  size_t size = 0;
  REQUIRE(sodium_hex2bin(reinterpret_cast<unsigned char*>(seed.data()),
                         seed.size(), sale.terms.shuffle_seed.data(), 64,
                         nullptr, &size, nullptr) == 0);
  CHECK(sha256(seed) == sale.terms.shuffle_commitment);

  std::vector<std::pair<std::string, int>> keyed;
  for (int index = 0; index < buyers; ++index)
    keyed.emplace_back(sha256(seed + tickets[index]), index);
  std::sort(keyed.begin(), keyed.end());
  for (size_t place = 0; place < keyed.size(); place += 997) {
    auto buyer = "buyer-" + std::to_string(keyed[place].second);
    auto ticket = view(state, get_ticket{buyer, tickets[keyed[place].second]});
    CHECK(ticket.ticket->queue_number == static_cast<int64_t>(place + 1));
  }

  // Two seconds in, 100 admitted (the quantity caps it), in queue order;
  // the timer fires as admissions fall due.
  for (int64_t at = 10 * second; at <= 12 * second; at += second / 10)
    tick(state, at_us(at));
  CHECK(view(state, get_sale{}).admitted == 100);
  for (size_t place = 0; place < 100; ++place) {
    auto buyer = "buyer-" + std::to_string(keyed[place].second);
    CHECK(view(state, join_sale{buyer}).ticket->status ==
          ticket_status::admitted);
  }
  auto next = "buyer-" + std::to_string(keyed[100].second);
  CHECK(view(state, join_sale{next}).ticket->status == ticket_status::waiting);
  CHECK(view(state, join_sale{next}).ticket->position == 1);
}

TEST_CASE("a sale admits at its rate, keeps a unit per admitted buyer, and "
          "sells out every waiting ticket once nothing is left or held") {
  auto state = scheduled_sale(3, 2, 0);
  for (int index = 0; index < 6; ++index)
    run(state, join_sale{"b" + std::to_string(index)}, at_us(0));
  tick(state, at_us(0));
  CHECK(view(state, get_sale{}).admitted == 0);
  tick(state, at_us(second));
  CHECK(view(state, get_sale{}).admitted == 2);
  tick(state, at_us(3 * second));
  // Three units, three admitted buyers: no fourth however long it waits.
  CHECK(view(state, get_sale{}).admitted == 3);
  tick(state, at_us(10 * second));
  CHECK(view(state, get_sale{}).admitted == 3);

  auto ticket_of = [&](const std::string& buyer) {
    return view(state, join_sale{buyer}).ticket->ticket;
  };
  std::vector<std::string> admitted;
  for (int index = 0; index < 6; ++index) {
    auto buyer = "b" + std::to_string(index);
    if (view(state, join_sale{buyer}).ticket->status == ticket_status::admitted)
      admitted.push_back(buyer);
  }
  REQUIRE(admitted.size() == 3);
  // Past the per-user limit of 1, refused; within it, held then sold.
  auto twice = decide(
      state, sale_reserve{"o-x", admitted[0], ticket_of(admitted[0]), 2, 10min},
      at_us(11 * second));
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == errc::per_user_limit);
  for (size_t index = 0; index < admitted.size(); ++index) {
    auto order = "o-" + std::to_string(index);
    run(state,
        sale_reserve{order, admitted[index], ticket_of(admitted[index]), 1,
                     10min},
        at_us(11 * second));
    run(state, sale_stock_step{confirm_reservation{order}}, at_us(11 * second));
  }
  tick(state, at_us(12 * second));
  CHECK(view(state, get_sale{}).status == sale_status::sold_out);
  for (int index = 0; index < 6; ++index) {
    auto buyer = "b" + std::to_string(index);
    auto status = view(state, join_sale{buyer}).ticket->status;
    CHECK(
        (status == ticket_status::sold_out ||
         std::find(admitted.begin(), admitted.end(), buyer) != admitted.end()));
  }
  // A cancelled order's units go back to the sale, which opens again for
  // the tickets it had sold out; only at the end does the rest go back.
  run(state, sale_stock_step{restore_stock{"o-0", 1, true}},
      at_us(13 * second));
  tick(state, at_us(13 * second));
  CHECK(view(state, get_sale{}).status == sale_status::open);
  CHECK(state.given_back == 0);
  CHECK(view(state, get_sale{}).waiting == 3);
  tick(state, at_us(3700 * second));
  CHECK(view(state, get_sale{}).status == sale_status::ended);
  CHECK(state.given_back == 1);
  CHECK(flash_sale_entity::pending_work(state));
}

TEST_CASE("the measured admission rate counts only time with tickets "
          "waiting, not a quiet stretch before them") {
  auto state = scheduled_sale(10, 1, 0);
  tick(state, at_us(0));
  // Nobody queues for 41 s; then one buyer does and is let in at once.
  run(state, join_sale{"early"}, at_us(41 * second));
  tick(state, at_us(41 * second));
  auto sale = view(state, get_sale{});
  REQUIRE(sale.admitted == 1);
  // One admission drawn from at most a second's banked credit: 1 a second,
  // not one in 41 seconds.
  CHECK(sale.admission_rate >= 0.99);
  run(state, join_sale{"late"}, at_us(41 * second));
  auto late = view(state, join_sale{"late"});
  CHECK(estimated_wait_s(late, at_us(41 * second)) <= 2);
}

TEST_CASE("a SKU sets units aside for a sale once, and takes back each "
          "total once") {
  sku_state sku;
  auto apply_all = [&](const sku_command& command) {
    auto decided = decide(sku, command, at_us(0));
    REQUIRE(decided);
    for (auto& event : *decided)
      apply_event(sku, event);
    return decided->size();
  };
  apply_all(register_sku{"p1", "s1", 1000, "USD", 10});
  CHECK(apply_all(set_aside_stock{"fs-1", 8}) == 1);
  CHECK(apply_all(set_aside_stock{"fs-1", 8}) == 0);
  CHECK(sku.available() == 2);
  auto more = decide(sku, set_aside_stock{"fs-2", 3}, at_us(0));
  REQUIRE_FALSE(more);
  CHECK(more.error().code == errc::out_of_stock);
  // The seller cannot remove what the sale holds.
  auto removed =
      decide(sku, adjust_stock{-3, caller{"s1", role::seller}, ""}, at_us(0));
  REQUIRE_FALSE(removed);
  CHECK(apply_all(take_back_set_aside{"fs-1", 5}) == 1);
  CHECK(apply_all(take_back_set_aside{"fs-1", 5}) == 0);
  CHECK(sku.available() == 7);
  CHECK(!decide(sku, take_back_set_aside{"fs-1", 9}, at_us(0)));
}
