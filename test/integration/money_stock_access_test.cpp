// Money, stock and access as a client sees them, against the real binary:
// each case is a defect an outside review reproduced, proved fixed here.
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <thread>

#include "../support/running_store.hpp"

using namespace tillroll;
using namespace tillroll::test;
namespace json = boost::json;

namespace {

json::object product_body(const std::string& title,
                          const json::array& variants) {
  return {{"title", title},
          {"description", "A test product"},
          {"brand", "Acme"},
          {"category", "Tools"},
          {"variants", variants}};
}

json::object variant(const std::string& sku, int64_t price_cents, int64_t stock,
                     const std::string& currency = "USD") {
  return {{"sku", sku},
          {"price_cents", price_cents},
          {"currency", currency},
          {"stock", stock}};
}

json::object items_body(const json::array& items,
                        const std::string& token = "tok_visa") {
  auto body = checkout_body(token);
  body["items"] = items;
  return body;
}

json::object line(const std::string& sku, int64_t quantity) {
  return {{"sku", sku}, {"quantity", quantity}};
}

/// The order a refused checkout names in its error's details.
std::string refused_order_id(const api_reply& reply) {
  return text(reply.json().at("error").at("details"), "order_id");
}

int64_t number(const json::value& value, std::string_view key) {
  return value.at(key).as_int64();
}

int64_t available(api_client& api, const std::string& sku) {
  return number(api.get("/v1/skus/" + sku).json(), "available");
}

json::object audit_of(running_store& store, const std::string& admin) {
  auto report = store.api().get("/v1/admin/audit", admin);
  REQUIRE_MESSAGE(report.status == 200, report.body);
  return report.json().as_object();
}

/// Waits until the order's saga has nothing left to do: stock back and
/// refunds settled or parked.
json::object settled_order(api_client& api, const std::string& order_id,
                           const std::string& token,
                           std::function<bool(const json::object&)> done) {
  json::object order;
  REQUIRE(wait_until(
      [&] {
        order = api.get("/v1/orders/" + order_id, token).json().as_object();
        return done(order);
      },
      std::chrono::seconds{20}));
  return order;
}

} // namespace

TEST_CASE("a seller cannot reprice or restock another seller's SKU, also not "
          "by naming it in a product of their own") {
  running_store store;
  auto& api = store.api();
  auto [seller_a, a_id] = api.account("seller-a@test.local", "seller");
  auto [seller_b, b_id] = api.account("seller-b@test.local", "seller");
  store.list_product(seller_a, "Brass Lamp", "LAMP-A", 10, 2500);

  auto copy = api.post(
      "/v1/products",
      product_body("Copy Lamp", json::array{variant("LAMP-A", 1, 5),
                                            variant("LAMP-B", 2400, 5)}),
      seller_b);
  CHECK(copy.status == 409);
  CHECK(copy.json().at("error").at("details").at("skus").at(0) == "LAMP-A");
  auto product_b = store.list_product(seller_b, "Own Lamp", "LAMP-B", 5);
  auto patch = api.send(
      "PATCH", "/v1/products/" + product_b,
      json::serialize(json::object{
          {"variants",
           json::array{json::object{
               {"sku", "LAMP-A"}, {"price_cents", 1}, {"currency", "USD"}}}}}),
      seller_b);
  CHECK_MESSAGE(patch.status == 404, patch.body);
  auto restock = api.post("/v1/skus/LAMP-A/stock", {{"delta", 1000}}, seller_b);
  CHECK(restock.status == 403);
  // Give any saga step that might push a price the time to do so.
  std::this_thread::sleep_for(std::chrono::milliseconds{300});
  auto sku = api.get("/v1/skus/LAMP-A").json();
  CHECK(number(sku, "price_cents") == 2500);
  CHECK(number(sku, "available") == 10);
  CHECK(text(sku, "product_id") != product_b);
}

TEST_CASE("in an order from two sellers each ships and delivers only their "
          "own lines and sees only them: the order follows its last line") {
  running_store store;
  auto& api = store.api();
  auto [seller_a, a_id] = api.account("seller-a@test.local", "seller");
  auto [seller_b, b_id] = api.account("seller-b@test.local", "seller");
  auto [buyer, buyer_id] = api.account("buyer@test.local", "buyer");
  auto admin = store.admin();
  store.list_product(seller_a, "Lamp", "LAMP-A", 5, 2500);
  store.list_product(seller_b, "Rug", "RUG-B", 5, 4000);
  auto placed =
      api.post("/v1/checkout",
               items_body(json::array{line("LAMP-A", 1), line("RUG-B", 2)}),
               buyer, {{"Idempotency-Key", "two-sellers"}});
  REQUIRE_MESSAGE(placed.status == 201, placed.body);
  auto order = text(placed.json(), "order_id");
  auto path = "/v1/orders/" + order;

  auto shipped_b = api.post(path + "/ship", json::object{}, seller_b);
  REQUIRE_MESSAGE(shipped_b.status == 200, shipped_b.body);
  auto seen_b = shipped_b.json().as_object();
  CHECK(text(seen_b, "status") == "fulfillment_processing");
  REQUIRE(seen_b.at("lines").as_array().size() == 1);
  CHECK(text(seen_b.at("lines").at(0), "sku") == "RUG-B");
  CHECK(text(seen_b.at("lines").at(0), "status") == "shipped");
  CHECK_FALSE(seen_b.contains("buyer_id"));
  CHECK_FALSE(seen_b.contains("total_cents"));
  CHECK_FALSE(seen_b.contains("history"));
  CHECK(api.post(path + "/ship", json::object{}, seller_b).status == 409);

  auto delivered_b = api.post(path + "/deliver", json::object{}, seller_b);
  REQUIRE(delivered_b.status == 200);
  CHECK(text(delivered_b.json(), "status") == "fulfillment_processing");
  // A's line has not shipped: it cannot be delivered.
  CHECK(api.post(path + "/deliver", json::object{}, seller_a).status == 409);

  auto shipped_a = api.post(path + "/ship", json::object{}, seller_a);
  REQUIRE(shipped_a.status == 200);
  CHECK(text(shipped_a.json(), "status") == "shipped");
  CHECK(shipped_a.json().at("lines").as_array().size() == 1);
  CHECK(text(shipped_a.json().at("lines").at(0), "sku") == "LAMP-A");

  auto as_buyer = api.get(path, buyer).json();
  CHECK(text(as_buyer, "status") == "shipped");
  for (auto& item : as_buyer.at("lines").as_array())
    CHECK(text(item, "status") ==
          (text(item, "sku") == "RUG-B" ? "delivered" : "shipped"));
  CHECK(api.post(path + "/cancel", json::object{}, buyer).status == 409);

  auto delivered = api.post(path + "/deliver", json::object{}, admin);
  REQUIRE(delivered.status == 200);
  CHECK(text(delivered.json(), "status") == "delivered");
  CHECK(delivered.json().at("lines").as_array().size() == 2);
}

TEST_CASE("checkout lines naming one SKU twice are merged, so what is charged "
          "is what leaves stock") {
  running_store store;
  auto& api = store.api();
  auto [seller, seller_id] = api.account("seller@test.local", "seller");
  auto [buyer, buyer_id] = api.account("buyer@test.local", "buyer");
  auto admin = store.admin();
  store.list_product(seller, "Mug", "MUG", 5, 1000);

  auto doubled = api.post(
      "/v1/checkout", items_body(json::array{line("MUG", 3), line("MUG", 3)}),
      buyer, {{"Idempotency-Key", "doubled"}});
  CHECK_MESSAGE(doubled.status == 409, doubled.body);
  CHECK(doubled.error_code() == "out_of_stock");

  json::array hundred;
  for (int index = 0; index < 100; ++index)
    hundred.push_back(line("MUG", 1));
  auto many = api.post("/v1/checkout", items_body(hundred), buyer,
                       {{"Idempotency-Key", "hundred"}});
  CHECK_MESSAGE(many.status == 409, many.body);

  auto over = api.post(
      "/v1/checkout", items_body(json::array{line("MUG", 60), line("MUG", 60)}),
      buyer, {{"Idempotency-Key", "over"}});
  CHECK(over.status == 400);

  auto merged = api.post(
      "/v1/checkout", items_body(json::array{line("MUG", 2), line("MUG", 1)}),
      buyer, {{"Idempotency-Key", "merged"}});
  REQUIRE_MESSAGE(merged.status == 201, merged.body);
  CHECK(number(merged.json(), "total_cents") == 3000);
  auto order =
      api.get("/v1/orders/" + text(merged.json(), "order_id"), buyer).json();
  REQUIRE(order.at("lines").as_array().size() == 1);
  CHECK(number(order.at("lines").at(0), "quantity") == 3);
  CHECK(available(api, "MUG") == 2);
  CHECK(audit_of(store, admin).at("ok") == true);
}

TEST_CASE("a hold that ended before the charge cancels the checkout with 409 "
          "reservation_expired, and the stock comes back") {
  // Holds of 1 ms are over before the saga gets to extend them.
  running_store store{
      {"--reservation-ttl-ms", "1", "--limit-checkout-per-buyer", "0"}};
  auto& api = store.api();
  auto [seller, seller_id] = api.account("seller@test.local", "seller");
  auto [buyer, buyer_id] = api.account("buyer@test.local", "buyer");
  auto admin = store.admin();
  // Each checkout holds eight SKUs, one after another on two cores, so
  // the first hold is mostly over by the time the last is made; a run of
  // fast appends may still extend all eight in time, and that order is
  // rightly paid, so checkouts go on until one finds a hold ended.
  constexpr int attempts = 100;
  constexpr int skus = 8;
  json::array lines;
  for (int index = 0; index < skus; ++index) {
    auto sku = "KETTLE-" + std::to_string(index);
    store.list_product(seller, "Kettle " + std::to_string(index), sku, attempts,
                       3000);
    lines.push_back(line(sku, 1));
  }
  int paid = 0;
  std::string order_id;
  for (int attempt = 0; attempt < attempts && order_id.empty(); ++attempt) {
    auto placed =
        api.post("/v1/checkout", items_body(lines), buyer,
                 {{"Idempotency-Key", "late-" + std::to_string(attempt)}});
    if (placed.status == 201) {
      ++paid;
      continue;
    }
    CHECK_MESSAGE(placed.status == 409, placed.body);
    CHECK(placed.error_code() == "reservation_expired");
    order_id = refused_order_id(placed);
  }
  MESSAGE(paid, " checkouts were paid before one found its hold ended");
  REQUIRE_MESSAGE(!order_id.empty(), "every 1 ms hold was extended in time");
  auto order = settled_order(api, order_id, buyer, [](auto& order) {
    return text(order, "status") == "cancelled" &&
           !order.contains("refunds_pending");
  });
  CHECK(text(order, "cancel_reason") == "reservation_expired");
  // Charged only if the hold was live when the charge went out; then
  // refunded in full.
  CHECK(number(order, "refunded_cents") % (skus * 3000) == 0);
  for (int index = 0; index < skus; ++index)
    REQUIRE(wait_until([&] {
      return available(api, "KETTLE-" + std::to_string(index)) ==
             attempts - paid;
    }));
  CHECK(audit_of(store, admin).at("ok") == true);
}

TEST_CASE("a hold that ends while a slow PSP charges is refunded: the buyer "
          "gets 409 reservation_expired and owes nothing") {
  running_store store{
      {"--reservation-ttl-ms", "300", "--psp-latency-ms", "500"}};
  auto& api = store.api();
  auto [seller, seller_id] = api.account("seller@test.local", "seller");
  auto [buyer, buyer_id] = api.account("buyer@test.local", "buyer");
  auto admin = store.admin();
  store.list_product(seller, "Kettle", "KETTLE", 3, 3000);
  auto placed =
      api.post("/v1/checkout", items_body(json::array{line("KETTLE", 1)}),
               buyer, {{"Idempotency-Key", "slow"}});
  CHECK_MESSAGE(placed.status == 409, placed.body);
  CHECK(placed.error_code() == "reservation_expired");
  auto order_id = refused_order_id(placed);
  auto order = settled_order(api, order_id, buyer, [](auto& order) {
    return number(order, "refunded_cents") == 3000;
  });
  CHECK(text(order, "status") == "cancelled");
  REQUIRE(wait_until([&] { return available(api, "KETTLE") == 3; }));
  CHECK(audit_of(store, admin).at("ok") == true);
}

TEST_CASE("a refund the PSP refuses backs off and parks for an operator, and "
          "the stock comes back at once") {
  running_store store;
  auto& api = store.api();
  auto [seller, seller_id] = api.account("seller@test.local", "seller");
  auto [buyer, buyer_id] = api.account("buyer@test.local", "buyer");
  auto admin = store.admin();
  store.list_product(seller, "Vase", "VASE", 4, 5000);
  auto placed =
      api.post("/v1/checkout",
               items_body(json::array{line("VASE", 2)}, "tok_refund_declined"),
               buyer, {{"Idempotency-Key", "vase"}});
  REQUIRE_MESSAGE(placed.status == 201, placed.body);
  auto order_id = text(placed.json(), "order_id");
  CHECK(available(api, "VASE") == 2);
  auto cancelled =
      api.post("/v1/orders/" + order_id + "/cancel", json::object{}, buyer);
  REQUIRE_MESSAGE(cancelled.status == 200, cancelled.body);
  // The stock does not wait for the refund.
  REQUIRE(wait_until([&] { return available(api, "VASE") == 4; },
                     std::chrono::seconds{2}));
  auto parked = settled_order(api, order_id, buyer, [](auto& order) {
    return order.contains("refunds_parked");
  });
  CHECK(number(parked, "refunded_cents") == 0);
  CHECK(parked.at("refunds_parked").as_array().size() == 1);
  CHECK_FALSE(parked.contains("refunds_pending"));
  CHECK(text(parked, "refund_failure") == "the card refuses refunds");
  auto report = audit_of(store, admin);
  CHECK(report.at("parked_refunds").as_array().size() == 1);
  CHECK(report.at("parked_refunds").at(0) == order_id.c_str());
  // An operator sends it again: it is pending until refused again.
  auto retried = api.post("/v1/admin/orders/" + order_id + "/refunds/retry",
                          json::object{}, admin);
  REQUIRE_MESSAGE(retried.status == 200, retried.body);
  CHECK_FALSE(retried.json().as_object().contains("refunds_parked"));
  CHECK(api.post("/v1/admin/orders/" + order_id + "/refunds/retry",
                 json::object{}, buyer)
            .status == 403);
}

TEST_CASE("a zero price is refused at listing and in a price change") {
  running_store store;
  auto& api = store.api();
  auto [seller, seller_id] = api.account("seller@test.local", "seller");
  auto free = api.post(
      "/v1/products",
      product_body("Free Thing", json::array{variant("FREE-1", 0, 5)}), seller);
  CHECK(free.status == 400);
  auto product = store.list_product(seller, "Thing", "THING-1", 5, 100);
  auto patch = api.send(
      "PATCH", "/v1/products/" + product,
      json::serialize(json::object{
          {"variants",
           json::array{json::object{
               {"sku", "THING-1"}, {"price_cents", 0}, {"currency", "USD"}}}}}),
      seller);
  CHECK(patch.status == 400);
  CHECK(number(api.get("/v1/skus/THING-1").json(), "price_cents") == 100);
}

TEST_CASE("a delisted product can be neither put in a cart nor bought") {
  running_store store;
  auto& api = store.api();
  auto [seller, seller_id] = api.account("seller@test.local", "seller");
  auto [buyer, buyer_id] = api.account("buyer@test.local", "buyer");
  auto product = store.list_product(seller, "Old Lamp", "OLD-1", 5, 100);
  REQUIRE(api.send("PUT", "/v1/cart/items/OLD-1", R"({"quantity":1})", buyer)
              .status == 200);
  REQUIRE(api.send("DELETE", "/v1/products/" + product, "", seller).status ==
          200);
  api_reply added;
  REQUIRE(wait_until([&] {
    added = api.send("PUT", "/v1/cart/items/OLD-1", R"({"quantity":2})", buyer);
    return added.status != 200;
  }));
  CHECK(added.status == 409);
  CHECK(added.error_code() == "delisted");
  auto now = api.post("/v1/checkout", items_body(json::array{line("OLD-1", 1)}),
                      buyer, {{"Idempotency-Key", "now"}});
  CHECK(now.status == 409);
  CHECK(now.error_code() == "delisted");
  auto from_cart = api.post("/v1/checkout", checkout_body(), buyer,
                            {{"Idempotency-Key", "cart"}});
  CHECK(from_cart.status == 409);
  CHECK(from_cart.error_code() == "delisted");
  CHECK(available(api, "OLD-1") == 5);
  // Taking it out of the cart still works.
  CHECK(api.send("DELETE", "/v1/cart/items/OLD-1", "", buyer).status == 200);
}

TEST_CASE("a refund and a stock change retried with the same Idempotency-Key "
          "apply once: the key with other values is a conflict") {
  running_store store;
  auto& api = store.api();
  auto [seller, seller_id] = api.account("seller@test.local", "seller");
  auto [buyer, buyer_id] = api.account("buyer@test.local", "buyer");
  auto admin = store.admin();
  store.list_product(seller, "Clock", "CLOCK", 5, 2000);
  auto placed =
      api.post("/v1/checkout", items_body(json::array{line("CLOCK", 2)}), buyer,
               {{"Idempotency-Key", "clock"}});
  REQUIRE(placed.status == 201);
  auto order_id = text(placed.json(), "order_id");
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto refund =
        api.post("/v1/orders/" + order_id + "/refund", {{"amount_cents", 500}},
                 admin, {{"Idempotency-Key", "refund-1"}});
    CHECK_MESSAGE(refund.status == 200, refund.body);
  }
  auto other =
      api.post("/v1/orders/" + order_id + "/refund", {{"amount_cents", 700}},
               admin, {{"Idempotency-Key", "refund-1"}});
  CHECK(other.status == 409);
  CHECK(other.error_code() == "idempotency_conflict");
  auto order = settled_order(api, order_id, buyer, [](auto& order) {
    return !order.contains("refunds_pending");
  });
  CHECK(number(order, "refunded_cents") == 500);

  for (int attempt = 0; attempt < 3; ++attempt) {
    auto received = api.post("/v1/skus/CLOCK/stock", {{"delta", 10}}, seller,
                             {{"Idempotency-Key", "delivery-7"}});
    CHECK(received.status == 200);
    CHECK(number(received.json(), "available") == 13);
  }
  auto changed = api.post("/v1/skus/CLOCK/stock", {{"delta", 11}}, seller,
                          {{"Idempotency-Key", "delivery-7"}});
  CHECK(changed.status == 409);
  CHECK(changed.error_code() == "idempotency_conflict");
  CHECK(available(api, "CLOCK") == 13);
}

TEST_CASE("a currency is an ISO 4217 code, and a cart and an order hold one "
          "currency") {
  running_store store;
  auto& api = store.api();
  auto [seller, seller_id] = api.account("seller@test.local", "seller");
  auto [buyer, buyer_id] = api.account("buyer@test.local", "buyer");
  for (auto currency : {"usd", "€", "XYZ", "US"}) {
    auto made = api.post(
        "/v1/products",
        product_body("Priced",
                     json::array{variant("PRICED-1", 100, 1, currency)}),
        seller);
    CHECK_MESSAGE(made.status == 400, currency);
  }
  auto mixed = api.post(
      "/v1/products",
      product_body("Mixed", json::array{variant("MIX-1", 100, 1, "USD"),
                                        variant("MIX-2", 100, 1, "EUR")}),
      seller);
  CHECK(mixed.status == 400);
  auto dollars = store.list_product(seller, "Dollar Mug", "USD-MUG", 5, 1000);
  for (auto currency : {"€", "EUR"}) {
    auto patch = api.send(
        "PATCH", "/v1/products/" + dollars,
        json::serialize(json::object{
            {"variants", json::array{json::object{{"sku", "USD-MUG"},
                                                  {"price_cents", 900},
                                                  {"currency", currency}}}}}),
        seller);
    CHECK_MESSAGE(patch.status == 400, currency);
  }
  auto made = api.post(
      "/v1/products",
      product_body("Euro Mug", json::array{variant("EUR-MUG", 900, 5, "EUR")}),
      seller);
  REQUIRE(made.status == 201);
  REQUIRE(
      wait_until([&] { return api.get("/v1/skus/EUR-MUG").status == 200; }));
  REQUIRE(api.send("PUT", "/v1/cart/items/USD-MUG", R"({"quantity":1})", buyer)
              .status == 200);
  auto second =
      api.send("PUT", "/v1/cart/items/EUR-MUG", R"({"quantity":1})", buyer);
  CHECK(second.status == 409);
  CHECK(second.error_code() == "currency_mismatch");
  auto cart = api.get("/v1/cart", buyer).json();
  CHECK(cart.at("items").as_array().size() == 1);
  CHECK(text(cart, "currency") == "USD");
  auto both =
      api.post("/v1/checkout",
               items_body(json::array{line("USD-MUG", 1), line("EUR-MUG", 1)}),
               buyer, {{"Idempotency-Key", "both"}});
  CHECK(both.status == 409);
  CHECK(both.error_code() == "currency_mismatch");
}

TEST_CASE("a confirmed checkout takes only what it bought out of the cart") {
  running_store store{{"--psp-latency-ms", "700"}};
  auto& api = store.api();
  auto [seller, seller_id] = api.account("seller@test.local", "seller");
  auto [buyer, buyer_id] = api.account("buyer@test.local", "buyer");
  store.list_product(seller, "Pen", "PEN", 10, 200);
  store.list_product(seller, "Ink", "INK", 10, 300);
  REQUIRE(api.send("PUT", "/v1/cart/items/PEN", R"({"quantity":2})", buyer)
              .status == 200);
  api_reply placed;
  std::thread checkout{[&] {
    api_client own{api.port()};
    placed = own.post("/v1/checkout", checkout_body(), buyer,
                      {{"Idempotency-Key", "cart-1"}});
  }};
  // While the charge is out, the buyer adds ink and raises the pens.
  REQUIRE(wait_until([&] { return available(api, "PEN") == 8; }));
  REQUIRE(api.send("PUT", "/v1/cart/items/INK", R"({"quantity":1})", buyer)
              .status == 200);
  REQUIRE(api.send("PUT", "/v1/cart/items/PEN", R"({"quantity":5})", buyer)
              .status == 200);
  checkout.join();
  REQUIRE_MESSAGE(placed.status == 201, placed.body);
  CHECK(number(placed.json(), "total_cents") == 400);
  auto cart = api.get("/v1/cart", buyer).json();
  std::map<std::string, int64_t> left;
  for (auto& item : cart.at("items").as_array())
    left[text(item, "sku")] = number(item, "quantity");
  CHECK(left == std::map<std::string, int64_t>{{"INK", 1}, {"PEN", 3}});
}

TEST_CASE("an Idempotency-Key older than its retention starts a new order") {
  running_store store{{"--idempotency-retention-s", "1"}};
  auto& api = store.api();
  auto [seller, seller_id] = api.account("seller@test.local", "seller");
  auto [buyer, buyer_id] = api.account("buyer@test.local", "buyer");
  store.list_product(seller, "Soap", "SOAP", 10, 300);
  auto body = items_body(json::array{line("SOAP", 1)});
  auto first =
      api.post("/v1/checkout", body, buyer, {{"Idempotency-Key", "soap"}});
  REQUIRE(first.status == 201);
  auto again =
      api.post("/v1/checkout", body, buyer, {{"Idempotency-Key", "soap"}});
  REQUIRE(again.status == 201);
  CHECK(text(again.json(), "order_id") == text(first.json(), "order_id"));
  CHECK(available(api, "SOAP") == 9);
  std::this_thread::sleep_for(std::chrono::milliseconds{2100});
  auto later =
      api.post("/v1/checkout", body, buyer, {{"Idempotency-Key", "soap"}});
  REQUIRE_MESSAGE(later.status == 201, later.body);
  CHECK(text(later.json(), "order_id") != text(first.json(), "order_id"));
  CHECK(available(api, "SOAP") == 8);
  auto retried =
      api.post("/v1/checkout", body, buyer, {{"Idempotency-Key", "soap"}});
  CHECK(text(retried.json(), "order_id") == text(later.json(), "order_id"));
  CHECK(available(api, "SOAP") == 8);
}

TEST_CASE("unknown ids looked up thousands of times leave no actor resident") {
  running_store store;
  auto& api = store.api();
  auto live = [&] {
    auto metrics = api.get("/metrics").body;
    auto at = metrics.find("\ntillroll_live_entities ");
    REQUIRE(at != std::string::npos);
    return std::stoll(metrics.substr(at + 24));
  };
  for (int index = 0; index < 2000; ++index)
    CHECK(api.get("/v1/skus/NOPE-" + std::to_string(index)).status == 404);
  REQUIRE(wait_until([&] { return live() < 50; }, std::chrono::seconds{5}));
}
