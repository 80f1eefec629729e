// One flash sale with 20,000 tickets, against the real binary, played by
// the load client (test/support/load_client.hpp): every ticket's place is
// the one recomputed here from the revealed seed, admission follows that
// order only as far as the units go, and once they are sold every other
// ticket is sold_out.
#include "events/time_text.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "../support/load_client.hpp"
#include "../support/running_store.hpp"
#include "../support/sale_shuffle.hpp"

using namespace tillroll;
using namespace tillroll::test;
namespace json = boost::json;

namespace {

constexpr size_t crowd = 20'000;
constexpr int64_t units = 40;
/// Requests the load client has in flight at once.
constexpr size_t width = 128;

struct held_ticket {
  std::string text;
  json::value joined;
  json::value polled;
};

/// Polls every ticket, `width` at a time, into `polled`.
void poll_all(uint16_t port, const std::string& sale_id,
              const std::vector<account>& buyers,
              std::vector<held_ticket>& tickets) {
  run([&](asio::io_context& io) -> awaitable<void> {
    connection_pool pool{io, port, width};
    co_await for_each(crowd, width, [&](size_t index) -> awaitable<void> {
      auto got = co_await pool.call(http::verb::get,
                                    "/v1/flash-sales/" + sale_id + "/tickets/" +
                                        tickets[index].text,
                                    {}, buyers[index].token);
      tickets[index].polled = parsed(got);
    });
  });
}

} // namespace

TEST_CASE("20,000 tickets in one sale: each is placed where the revealed "
          "seed puts it, admitted in that order as far as the units go, "
          "and sold_out once they are sold") {
  running_store store{
      {"--password-hashing", "minimum", "--limit-sign-in-per-address", "0",
       "--limit-ticket-polls", "0", "--connections-per-address-max", "1024"}};
  auto port = store.api().port();
  auto admin = store.admin();
  auto seller = store.api().account("seller@crowd.test", "seller").first;
  store.list_product(seller, "Sneaker", "CROWD-1", units + 10, 5000);

  std::vector<account> buyers;
  auto started = std::chrono::steady_clock::now();
  run([&](asio::io_context& io) -> awaitable<void> {
    connection_pool pool{io, port, width};
    buyers = co_await sign_up_buyers(pool, crowd, "crowd");
  });
  auto signing_up = std::chrono::steady_clock::now() - started;
  MESSAGE(crowd << " buyers signed up in "
                << std::chrono::duration<double>(signing_up).count() << " s");
  for (auto& buyer : buyers)
    REQUIRE(!buyer.token.empty());

  // Joining is half the requests of signing up: the start leaves room.
  auto lead =
      std::chrono::duration_cast<std::chrono::microseconds>(signing_up) +
      std::chrono::seconds{10};
  json::object terms{
      {"sku", "CROWD-1"},
      {"quantity", units},
      {"price_cents", 999},
      {"starts_at", iso_time(now_timestamp() + lead)},
      {"ends_at", iso_time(now_timestamp() + lead + std::chrono::minutes{10})},
      {"per_user_limit", 1},
      {"admit_per_second", 10'000},
      {"admission_ttl_s", 600}};
  auto made = store.api().post("/v1/flash-sales", terms, admin);
  REQUIRE_MESSAGE(made.status == 201, made.body);
  auto sale_id = text(made.json(), "id");

  std::vector<held_ticket> tickets(crowd);
  run([&](asio::io_context& io) -> awaitable<void> {
    connection_pool pool{io, port, width};
    co_await for_each(crowd, width, [&](size_t index) -> awaitable<void> {
      auto got = co_await pool.call(http::verb::post,
                                    "/v1/flash-sales/" + sale_id + "/tickets",
                                    "{}", buyers[index].token);
      tickets[index].joined = parsed(got);
      tickets[index].text = text_at(tickets[index].joined, "ticket");
    });
  });
  size_t unplaced = 0;
  for (auto& ticket : tickets) {
    REQUIRE(!ticket.text.empty());
    unplaced += ticket.joined.at("queue_number").is_null();
  }
  // Every one joined before the start: the whole crowd is the pre-queue.
  REQUIRE(unplaced == crowd);
  auto sale = store.api().get("/v1/flash-sales/" + sale_id).json();
  CHECK(number_at(sale, "waiting") == static_cast<int64_t>(crowd));

  REQUIRE(wait_until(
      [&] {
        sale = store.api().get("/v1/flash-sales/" + sale_id).json();
        return text(sale, "status") != "scheduled";
      },
      std::chrono::seconds{600}));
  auto seed = bytes_of_hex(text(sale, "shuffle_seed"));
  CHECK(hex_sha256(seed) == text(sale, "shuffle_commitment"));
  std::vector<size_t> expected(crowd);
  for (size_t index = 0; index < crowd; ++index)
    expected[index] = index;
  std::vector<std::string> keys(crowd);
  for (size_t index = 0; index < crowd; ++index)
    keys[index] = hex_sha256(seed + tickets[index].text);
  std::sort(expected.begin(), expected.end(),
            [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  REQUIRE(wait_until(
      [&] {
        sale = store.api().get("/v1/flash-sales/" + sale_id).json();
        return number_at(sale, "admitted") == units;
      },
      std::chrono::seconds{30}));

  poll_all(port, sale_id, buyers, tickets);
  size_t misplaced = 0;
  size_t wrongly_admitted = 0;
  for (size_t place = 0; place < crowd; ++place) {
    auto& polled = tickets[expected[place]].polled;
    misplaced +=
        number_at(polled, "queue_number") != static_cast<int64_t>(place + 1);
    auto status = text_at(polled, "status");
    wrongly_admitted +=
        (status == "admitted") != (place < static_cast<size_t>(units));
  }
  CHECK(misplaced == 0);
  CHECK(wrongly_admitted == 0);

  // The admitted buy the units; every other ticket is then sold_out.
  for (size_t place = 0; place < static_cast<size_t>(units); ++place) {
    auto index = expected[place];
    auto body = checkout_body();
    body["items"] =
        json::array{json::object{{"sku", "CROWD-1"}, {"quantity", 1}}};
    body["flash_sale"] =
        json::object{{"id", sale_id}, {"ticket", tickets[index].text}};
    auto bought = store.api().post("/v1/checkout", body, buyers[index].token,
                                   {{"Idempotency-Key", "crowd"}});
    CHECK_MESSAGE(bought.status == 201, bought.body);
  }
  REQUIRE(wait_until([&] {
    sale = store.api().get("/v1/flash-sales/" + sale_id).json();
    return text(sale, "status") == "sold_out";
  }));
  poll_all(port, sale_id, buyers, tickets);
  size_t not_sold_out = 0;
  for (size_t place = static_cast<size_t>(units); place < crowd; ++place)
    not_sold_out +=
        text_at(tickets[expected[place]].polled, "status") != "sold_out";
  CHECK(not_sold_out == 0);
  CHECK(number_at(sale, "sold") == units);
  CHECK(number_at(sale, "remaining") == 0);
  CHECK(number_at(sale, "waiting") == 0);
  // The SKU's own ten units were never the sale's.
  CHECK(number_at(store.api().get("/v1/skus/CROWD-1").json(), "available") ==
        10);
  auto report = store.api().get("/v1/admin/audit", admin);
  CHECK_MESSAGE(report.json().at("ok").as_bool(), report.body);
}
