// Flash sales against the real binary, as API.md's "Flash sales" section
// describes them: the quantity set aside, tickets bound to their buyer,
// the pre-queue's shuffle recomputed here from the revealed seed, admission
// only while units remain, the per-user limit across orders, the leftover
// going back at the end, and all of it kept through a kill -9.
#include "events/time_text.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "../support/running_store.hpp"
#include "../support/sale_shuffle.hpp"

using namespace tillroll;
using namespace tillroll::test;
namespace json = boost::json;

namespace {

std::string in_seconds(double seconds) {
  return iso_time(
      now_timestamp() +
      std::chrono::microseconds{static_cast<int64_t>(seconds * 1'000'000)});
}

int64_t number(const json::value& value, std::string_view key) {
  return value.at(key).as_int64();
}

struct sale_terms {
  std::string sku;
  int64_t quantity = 5;
  int64_t price_cents = 999;
  double starts_in_s = 0;
  double ends_in_s = 600;
  int64_t per_user_limit = 2;
  int64_t admit_per_second = 100;
  int64_t admission_ttl_s = 300;
};

json::object sale_body(const sale_terms& terms) {
  return {{"sku", terms.sku},
          {"quantity", terms.quantity},
          {"price_cents", terms.price_cents},
          {"starts_at", in_seconds(terms.starts_in_s)},
          {"ends_at", in_seconds(terms.ends_in_s)},
          {"per_user_limit", terms.per_user_limit},
          {"admit_per_second", terms.admit_per_second},
          {"admission_ttl_s", terms.admission_ttl_s}};
}

struct flash_shop {
  // These tests poll as fast as they like; the poll limit has its own
  // (rate_limit_test.cpp).
  running_store store{{"--limit-ticket-polls", "0"}};
  std::string admin = store.admin();
  std::string seller = store.api().account("seller@flash.test", "seller").first;

  api_client& api() { return store.api(); }

  /// A sale's id; it must be created.
  std::string create(const sale_terms& terms) {
    auto made = api().post("/v1/flash-sales", sale_body(terms), admin);
    REQUIRE_MESSAGE(made.status == 201, made.body);
    return text(made.json(), "id");
  }
  json::value sale(const std::string& id) {
    auto read = api().get("/v1/flash-sales/" + id);
    REQUIRE_MESSAGE(read.status == 200, read.body);
    return read.json();
  }
  api_reply join(const std::string& id, const std::string& buyer) {
    return api().post("/v1/flash-sales/" + id + "/tickets", json::object{},
                      buyer);
  }
  std::string ticket_of(const std::string& id, const std::string& buyer) {
    auto joined = join(id, buyer);
    REQUIRE_MESSAGE((joined.status == 201 || joined.status == 200),
                    joined.body);
    return text(joined.json(), "ticket");
  }
  /// `count` new buyers `<prefix><n>@flash.test` join in turn: (ticket,
  /// token) each.
  std::vector<std::pair<std::string, std::string>>
  join_many(const std::string& id, const std::string& prefix, int count) {
    std::vector<std::pair<std::string, std::string>> joined;
    for (int index = 0; index < count; ++index) {
      auto token =
          api()
              .account(prefix + std::to_string(index) + "@flash.test", "buyer")
              .first;
      joined.emplace_back(ticket_of(id, token), token);
    }
    return joined;
  }
  api_reply poll(const std::string& id, const std::string& ticket,
                 const std::string& buyer) {
    return api().get("/v1/flash-sales/" + id + "/tickets/" + ticket, buyer);
  }
  /// Waits for the ticket to be admitted; false if it ends otherwise.
  bool admitted(const std::string& id, const std::string& ticket,
                const std::string& buyer) {
    std::string status;
    wait_until(
        [&] {
          status = text(poll(id, ticket, buyer).json(), "status");
          return status != "waiting";
        },
        std::chrono::seconds{20});
    return status == "admitted";
  }
  api_reply buy(const std::string& id, const std::string& ticket,
                const std::string& buyer, const std::string& sku,
                int64_t quantity, const std::string& key) {
    auto body = checkout_body();
    body["items"] =
        json::array{json::object{{"sku", sku}, {"quantity", quantity}}};
    body["flash_sale"] = json::object{{"id", id}, {"ticket", ticket}};
    return api().post("/v1/checkout", body, buyer, {{"Idempotency-Key", key}});
  }
  int64_t available(const std::string& sku) {
    return number(api().get("/v1/skus/" + sku).json(), "available");
  }
  json::object audit() {
    auto report = api().get("/v1/admin/audit", admin);
    REQUIRE_MESSAGE(report.status == 200, report.body);
    return report.json().as_object();
  }
};

/// Each admitted ticket's buyer buys one SNEAK-9 under the key k9 (a
/// retry for one who bought); the orders placed.
std::vector<std::string> buy_if_admitted(
    running_store& store, const std::string& id,
    const std::map<std::string, std::pair<std::string, json::value>>& seen) {
  std::vector<std::string> orders;
  for (auto& [token, held] : seen) {
    auto polled = store.api().get(
        "/v1/flash-sales/" + id + "/tickets/" + held.first, token);
    REQUIRE_MESSAGE(polled.status == 200, polled.body);
    if (text(polled.json(), "status") != "admitted")
      continue;
    auto body = checkout_body();
    body["items"] =
        json::array{json::object{{"sku", "SNEAK-9"}, {"quantity", 1}}};
    body["flash_sale"] = json::object{{"id", id}, {"ticket", held.first}};
    auto bought = store.api().post("/v1/checkout", body, token,
                                   {{"Idempotency-Key", "k9"}});
    if (bought.status == 201)
      orders.push_back(text(bought.json(), "order_id"));
  }
  return orders;
}

} // namespace

TEST_CASE("a flash sale sets its quantity aside: ordinary checkouts cannot "
          "take it, a larger one is out_of_stock, and only an admin creates "
          "one") {
  flash_shop shop;
  shop.store.list_product(shop.seller, "Sneaker", "SNEAK-1", 10, 5000);
  auto id = shop.create({.sku = "SNEAK-1", .quantity = 8});
  auto sale = shop.sale(id);
  CHECK(text(sale, "status") == "open");
  CHECK(number(sale, "remaining") == 8);
  CHECK(number(sale, "price_cents") == 999);
  CHECK(text(sale, "currency") == "USD");
  CHECK(shop.available("SNEAK-1") == 2);

  // Ordinary stock is what is left outside the sale.
  auto [buyer, buyer_id] = shop.api().account("plain@flash.test", "buyer");
  auto body = checkout_body();
  body["items"] =
      json::array{json::object{{"sku", "SNEAK-1"}, {"quantity", 3}}};
  auto three = shop.api().post("/v1/checkout", body, buyer,
                               {{"Idempotency-Key", "plain-3"}});
  CHECK(three.status == 409);
  CHECK(three.error_code() == "out_of_stock");
  body["items"] =
      json::array{json::object{{"sku", "SNEAK-1"}, {"quantity", 2}}};
  auto two = shop.api().post("/v1/checkout", body, buyer,
                             {{"Idempotency-Key", "plain-2"}});
  CHECK_MESSAGE(two.status == 201, two.body);
  CHECK(number(two.json(), "total_cents") == 10000);
  CHECK(number(shop.sale(id), "remaining") == 8);

  auto too_many =
      shop.api().post("/v1/flash-sales",
                      sale_body({.sku = "SNEAK-1", .quantity = 1}), shop.admin);
  CHECK(too_many.status == 409);
  CHECK(too_many.error_code() == "out_of_stock");
  auto unknown = shop.api().post("/v1/flash-sales",
                                 sale_body({.sku = "NO-SUCH-SKU"}), shop.admin);
  CHECK(unknown.status == 404);
  auto by_seller = shop.api().post("/v1/flash-sales",
                                   sale_body({.sku = "SNEAK-1"}), shop.seller);
  CHECK(by_seller.status == 403);
  auto backwards = sale_body({.sku = "SNEAK-1"});
  backwards["ends_at"] = in_seconds(-5);
  auto bad = shop.api().post("/v1/flash-sales", backwards, shop.admin);
  CHECK(bad.status == 400);
  auto zero = sale_body({.sku = "SNEAK-1"});
  zero["quantity"] = 0;
  CHECK(shop.api().post("/v1/flash-sales", zero, shop.admin).status == 400);
  CHECK(shop.api().get("/v1/flash-sales/fs-unknown").status == 404);
  CHECK(shop.audit().at("ok").as_bool());
}

TEST_CASE("a ticket is the buyer's own: joining again returns it, another "
          "buyer's is refused, a forged one or another sale's is unknown") {
  flash_shop shop;
  shop.store.list_product(shop.seller, "Sneaker", "SNEAK-2", 20, 5000);
  auto id = shop.create({.sku = "SNEAK-2", .quantity = 5, .starts_in_s = 300});
  auto other_sale = shop.create({.sku = "SNEAK-2", .quantity = 5});
  auto [ann, ann_id] = shop.api().account("ann@flash.test", "buyer");
  auto [bob, bob_id] = shop.api().account("bob@flash.test", "buyer");

  auto first = shop.join(id, ann);
  REQUIRE_MESSAGE(first.status == 201, first.body);
  auto ticket = text(first.json(), "ticket");
  CHECK(text(first.json(), "status") == "waiting");
  CHECK(first.json().at("position").is_null()); // the pre-queue is unplaced
  CHECK(number(first.json(), "estimated_wait_s") >= 299);
  auto again = shop.join(id, ann);
  CHECK(again.status == 200);
  CHECK(text(again.json(), "ticket") == ticket);

  auto polled = shop.poll(id, ticket, ann);
  CHECK(polled.status == 200);
  CHECK(!polled.header("Retry-After").empty());
  CHECK(shop.poll(id, ticket, bob).status == 403);
  auto forged = ticket;
  forged.back() = forged.back() == '0' ? '1' : '0';
  CHECK(shop.poll(id, forged, ann).status == 404);
  CHECK(shop.poll(id, "0." + std::string(32, 'a'), ann).status == 404);
  CHECK(shop.poll(other_sale, ticket, ann).status == 404);
  // Neither is another's ticket, nor one not yet admitted, bought with.
  auto not_yet = shop.buy(id, ticket, ann, "SNEAK-2", 1, "early");
  CHECK(not_yet.status == 403);
  CHECK(not_yet.error_code() == "not_admitted");
  auto stolen = shop.buy(id, ticket, bob, "SNEAK-2", 1, "stolen");
  CHECK(stolen.status == 403);
  CHECK(stolen.error_code() == "not_admitted");
  CHECK(number(shop.sale(id), "remaining") == 5);
}

TEST_CASE("the pre-queue is shuffled by the seed committed at creation: the "
          "order recomputed from the revealed seed is the queue's") {
  flash_shop shop;
  shop.store.list_product(shop.seller, "Sneaker", "SNEAK-3", 100, 5000);
  auto id = shop.create({.sku = "SNEAK-3",
                         .quantity = 50,
                         .starts_in_s = 6,
                         .admit_per_second = 1});
  auto commitment = text(shop.sale(id), "shuffle_commitment");
  CHECK(shop.sale(id).at("shuffle_seed").is_null());
  auto tickets = shop.join_many(id, "queue", 12);
  REQUIRE(wait_until([&] { return text(shop.sale(id), "status") == "open"; },
                     std::chrono::seconds{20}));
  auto seed = text(shop.sale(id), "shuffle_seed");
  CHECK(hex_sha256(bytes_of_hex(seed)) == commitment);
  // The documented order: SHA-256 of the seed's bytes then the ticket's
  // text, lowest first.
  auto expected = tickets;
  std::sort(expected.begin(), expected.end(), [&](auto& a, auto& b) {
    return hex_sha256(bytes_of_hex(seed) + a.first) <
           hex_sha256(bytes_of_hex(seed) + b.first);
  });
  for (size_t place = 0; place < expected.size(); ++place) {
    auto polled = shop.poll(id, expected[place].first, expected[place].second);
    REQUIRE(polled.status == 200);
    CHECK(number(polled.json(), "queue_number") ==
          static_cast<int64_t>(place + 1));
  }
  // A later arrival queues behind the pre-queue.
  auto late = shop.api().account("late@flash.test", "buyer").first;
  auto joined = shop.join(id, late);
  CHECK(number(joined.json(), "queue_number") == 13);
}

TEST_CASE("admission lets buyers in only while units remain, then every "
          "waiting ticket is sold_out, and the per-user limit holds across "
          "orders") {
  flash_shop shop;
  shop.store.list_product(shop.seller, "Sneaker", "SNEAK-4", 10, 5000);
  auto id = shop.create({.sku = "SNEAK-4",
                         .quantity = 3,
                         .per_user_limit = 2,
                         .admit_per_second = 50});
  auto [ann, ann_id] = shop.api().account("ann4@flash.test", "buyer");
  auto ann_ticket = shop.ticket_of(id, ann);
  REQUIRE(shop.admitted(id, ann_ticket, ann));
  auto one = shop.buy(id, ann_ticket, ann, "SNEAK-4", 1, "ann-1");
  REQUIRE_MESSAGE(one.status == 201, one.body);
  CHECK(number(one.json(), "total_cents") == 999);
  // A retry answers as the first time, though the limit now counts it.
  CHECK(shop.buy(id, ann_ticket, ann, "SNEAK-4", 1, "ann-1").status == 201);
  CHECK(shop.buy(id, ann_ticket, ann, "SNEAK-4", 1, "ann-2").status == 201);
  auto third = shop.buy(id, ann_ticket, ann, "SNEAK-4", 1, "ann-3");
  CHECK(third.status == 409);
  CHECK(third.error_code() == "per_user_limit");
  auto wrong_sku = shop.buy(id, ann_ticket, ann, "SNEAK-5", 1, "ann-4");
  CHECK(wrong_sku.status == 400);

  // One unit left: one more buyer is admitted, the rest wait, then are
  // told sold_out once it is sold.
  std::vector<std::pair<std::string, std::string>> others;
  for (int index = 0; index < 3; ++index) {
    auto token =
        shop.api()
            .account("wait" + std::to_string(index) + "@flash.test", "buyer")
            .first;
    others.emplace_back(shop.ticket_of(id, token), token);
  }
  REQUIRE(shop.admitted(id, others[0].first, others[0].second));
  std::this_thread::sleep_for(std::chrono::milliseconds{300});
  CHECK(text(shop.poll(id, others[1].first, others[1].second).json(),
             "status") == "waiting");
  CHECK(number(shop.sale(id), "admitted") == 2);
  auto last =
      shop.buy(id, others[0].first, others[0].second, "SNEAK-4", 1, "last-1");
  REQUIRE_MESSAGE(last.status == 201, last.body);
  REQUIRE(
      wait_until([&] { return text(shop.sale(id), "status") == "sold_out"; }));
  for (auto& [ticket, token] : others)
    if (ticket != others[0].first)
      CHECK(text(shop.poll(id, ticket, token).json(), "status") == "sold_out");
  auto late = shop.api().account("late4@flash.test", "buyer").first;
  auto refused = shop.join(id, late);
  CHECK(refused.status == 409);
  CHECK(refused.error_code() == "sold_out");
  auto sale = shop.sale(id);
  auto metrics = shop.api().get("/metrics").body;
  CHECK(metrics.find("tillroll_flash_sale{measure=\"sold\",sale=\"" + id +
                     "\"} 3") != std::string::npos);
  CHECK(number(sale, "sold") == 3);
  CHECK(number(sale, "remaining") == 0);
  // The SKU's own stock was never touched.
  CHECK(shop.available("SNEAK-4") == 7);
  CHECK(shop.audit().at("ok").as_bool());
}

TEST_CASE("what a flash sale did not sell goes back to its SKU when it ends") {
  flash_shop shop;
  shop.store.list_product(shop.seller, "Sneaker", "SNEAK-6", 10, 5000);
  auto id = shop.create({.sku = "SNEAK-6", .quantity = 6, .ends_in_s = 4});
  auto [ann, ann_id] = shop.api().account("ann6@flash.test", "buyer");
  auto ticket = shop.ticket_of(id, ann);
  REQUIRE(shop.admitted(id, ticket, ann));
  REQUIRE(shop.buy(id, ticket, ann, "SNEAK-6", 2, "end-1").status == 201);
  CHECK(shop.available("SNEAK-6") == 4);
  REQUIRE(wait_until([&] { return text(shop.sale(id), "status") == "ended"; },
                     std::chrono::seconds{20}));
  REQUIRE(wait_until([&] { return shop.available("SNEAK-6") == 8; }));
  auto sale = shop.sale(id);
  CHECK(number(sale, "sold") == 2);
  CHECK(number(sale, "remaining") == 0);
  CHECK(text(shop.poll(id, ticket, ann).json(), "status") == "expired");
  auto after = shop.buy(id, ticket, ann, "SNEAK-6", 1, "end-2");
  CHECK(after.status == 409);
  CHECK(after.error_code() == "sale_ended");
  auto joined =
      shop.join(id, shop.api().account("late6@flash.test", "buyer").first);
  CHECK(joined.status == 409);
  CHECK(joined.error_code() == "sale_ended");
  CHECK(shop.audit().at("ok").as_bool());
}

TEST_CASE("a kill -9 mid-sale keeps positions, admissions and every "
          "acknowledged order, and never sells past the quantity") {
  temp_directory data;
  std::string id;
  std::map<std::string, std::pair<std::string, json::value>> seen; // token
  std::vector<std::string> orders;
  std::string admin;
  // The test polls every ticket as fast as it can (as flash_shop does):
  // the poll limit, which has its own test, would answer 429 before the
  // next admission is due.
  std::vector<std::string> unlimited_polls{"--limit-ticket-polls", "0"};
  {
    running_store store{data.path(), unlimited_polls};
    admin = store.admin();
    auto seller = store.api().account("seller9@flash.test", "seller").first;
    store.list_product(seller, "Sneaker", "SNEAK-9", 20, 5000);
    auto made = store.api().post("/v1/flash-sales",
                                 sale_body({.sku = "SNEAK-9",
                                            .quantity = 4,
                                            .per_user_limit = 1,
                                            .admit_per_second = 2}),
                                 admin);
    REQUIRE(made.status == 201);
    id = text(made.json(), "id");
    for (int index = 0; index < 8; ++index) {
      auto token =
          store.api()
              .account("k" + std::to_string(index) + "@flash.test", "buyer")
              .first;
      auto joined = store.api().post("/v1/flash-sales/" + id + "/tickets",
                                     json::object{}, token);
      REQUIRE(joined.status == 201);
      seen[token] = {text(joined.json(), "ticket"), joined.json()};
    }
    // Whoever is admitted buys; then the node dies mid-sale.
    orders = buy_if_admitted(store, id, seen);
    store.server.kill_now();
  }
  running_store store{data.path(), unlimited_polls};
  for (auto& [token, held] : seen) {
    auto polled = store.api().get(
        "/v1/flash-sales/" + id + "/tickets/" + held.first, token);
    REQUIRE(polled.status == 200);
    CHECK(number(polled.json(), "queue_number") ==
          number(held.second, "queue_number"));
  }
  for (auto& order : orders)
    CHECK(store.api().get("/v1/orders/" + order, admin).status == 200);
  // The sale goes on after the restart, up to its quantity and no further:
  // whoever is admitted buys, until the sale is sold out.
  auto buy_admitted = [&] {
    buy_if_admitted(store, id, seen);
    return text(store.api().get("/v1/flash-sales/" + id).json(), "status") ==
           "sold_out";
  };
  CHECK(wait_until(buy_admitted, std::chrono::seconds{30}));
  auto sale = store.api().get("/v1/flash-sales/" + id).json();
  CHECK(number(sale, "sold") <= 4);
  CHECK(number(sale, "sold") + number(sale, "remaining") +
            number(sale, "held") ==
        4);
  auto report = store.api().get("/v1/admin/audit", admin);
  CHECK_MESSAGE(report.json().at("ok").as_bool(), report.body);
}

TEST_CASE("a sold-out sale's cancelled order gives its units back to the "
          "sale, which opens again for the tickets it had sold out") {
  flash_shop shop;
  shop.store.list_product(shop.seller, "Sneaker", "SNEAK-7", 3, 5000);
  auto id =
      shop.create({.sku = "SNEAK-7", .quantity = 2, .admission_ttl_s = 10});
  auto ann = shop.api().account("ann7@flash.test", "buyer").first;
  auto bob = shop.api().account("bob7@flash.test", "buyer").first;
  auto carol = shop.api().account("carol7@flash.test", "buyer").first;
  auto ann_ticket = shop.ticket_of(id, ann);
  auto bob_ticket = shop.ticket_of(id, bob);
  REQUIRE(shop.admitted(id, ann_ticket, ann));
  REQUIRE(shop.admitted(id, bob_ticket, bob));
  // Two units, two admitted buyers: the third waits.
  auto carol_ticket = shop.ticket_of(id, carol);
  auto bought = shop.buy(id, ann_ticket, ann, "SNEAK-7", 1, "ann");
  REQUIRE_MESSAGE(bought.status == 201, bought.body);
  REQUIRE(shop.buy(id, bob_ticket, bob, "SNEAK-7", 1, "bob").status == 201);
  REQUIRE(
      wait_until([&] { return text(shop.sale(id), "status") == "sold_out"; }));
  CHECK(text(shop.poll(id, carol_ticket, carol).json(), "status") ==
        "sold_out");
  auto order = text(bought.json(), "order_id");
  auto cancelled =
      shop.api().post("/v1/orders/" + order + "/cancel", json::object{}, ann);
  REQUIRE_MESSAGE(cancelled.status == 200, cancelled.body);
  REQUIRE(wait_until([&] {
    auto sale = shop.sale(id);
    return text(sale, "status") == "open" && number(sale, "remaining") == 1;
  }));
  // The unit is the sale's again, not the SKU's at its full price; it is
  // kept for Ann while her admission lasts, then Carol's turn comes.
  CHECK(shop.available("SNEAK-7") == 1);
  CHECK(shop.admitted(id, carol_ticket, carol));
  CHECK(shop.buy(id, carol_ticket, carol, "SNEAK-7", 1, "carol").status == 201);
  CHECK(shop.audit().at("ok").as_bool());
}

TEST_CASE("a delisted product's sale sells no more") {
  flash_shop shop;
  auto product = shop.store.list_product(shop.seller, "Sneaker", "SNEAK-8", 5);
  auto id = shop.create({.sku = "SNEAK-8", .quantity = 2});
  auto [ann, ann_id] = shop.api().account("ann8@flash.test", "buyer");
  auto ticket = shop.ticket_of(id, ann);
  REQUIRE(shop.admitted(id, ticket, ann));
  REQUIRE(shop.api()
              .send("DELETE", "/v1/products/" + product, {}, shop.seller)
              .status < 300);
  // The product's saga withdraws its SKU: a cart no longer takes it.
  REQUIRE(wait_until([&] {
    return shop.api()
               .send("PUT", "/v1/cart/items/SNEAK-8",
                     json::serialize(json::object{{"quantity", 1}}), ann)
               .status == 409;
  }));
  auto refused = shop.buy(id, ticket, ann, "SNEAK-8", 1, "after");
  CHECK(refused.status == 409);
  CHECK(refused.error_code() == "delisted");
  CHECK(number(shop.sale(id), "sold") == 0);
}

TEST_CASE("a waiting ticket is told to poll again within half the "
          "admission's lifetime, however long its wait looks") {
  flash_shop shop;
  shop.store.list_product(shop.seller, "Sneaker", "SNEAK-10", 5, 5000);
  auto id = shop.create({.sku = "SNEAK-10",
                         .quantity = 1,
                         .admit_per_second = 1,
                         .admission_ttl_s = 10});
  auto ann = shop.api().account("ann10@flash.test", "buyer").first;
  auto ann_ticket = shop.ticket_of(id, ann);
  REQUIRE(shop.admitted(id, ann_ticket, ann));
  // Ann's admission keeps the one unit; 24 queue behind her, so the last
  // one's wait looks like 24 s or more.
  auto [last_ticket, last] = shop.join_many(id, "q10-", 24).back();
  auto polled = shop.poll(id, last_ticket, last);
  REQUIRE(text(polled.json(), "status") == "waiting");
  CHECK(number(polled.json(), "estimated_wait_s") >= 20);
  auto retry = std::stoi(polled.header("Retry-After"));
  CHECK(retry >= 1);
  CHECK(retry <= 5);
}
