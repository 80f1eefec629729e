// The HTTP API of shared/API.md against the real binary on a loopback
// port: every route's success path and its documented errors. Each case
// starts its own store with a seller, a buyer and the admin signed in.
#include <doctest/doctest.h>

#include <algorithm>
#include <regex>

#include "../support/running_store.hpp"

using namespace tillroll;
using namespace tillroll::test;
namespace json = boost::json;

namespace {

const std::string hammer_sku = "HAMMER-M";

struct api_store : running_store {
  api_store() {
    std::tie(seller, seller_id) = api.account("seller@test.local", "seller");
    std::tie(buyer, buyer_id) = api.account("buyer@test.local", "buyer");
    admin_token = admin();
  }

  /// A steel hammer, 10 in stock at 25.00; its product id.
  std::string list_hammer() {
    return list_product(seller, "Steel Hammer", hammer_sku, 10);
  }

  /// Retitles the hammer and raises its price to 27.00, and waits until
  /// search finds the new title and the SKU charges the new price.
  void rename_hammer(const std::string& product) {
    auto renamed = api.send(
        "PATCH", "/v1/products/" + product,
        R"({"title":"Forged Steel Hammer","variants":[{"sku":"HAMMER-M","price_cents":2700,"currency":"USD"}]})",
        seller);
    CHECK_MESSAGE(renamed.status == 200, renamed.body);
    CHECK(test::wait_until([&] {
      auto found = api.get("/v1/search?q=forged");
      return found.status == 200 && found.json().at("total").as_int64() == 1;
    }));
    // The SKU charges the new price once the product's saga has pushed it.
    CHECK(test::wait_until([&] {
      return api.get("/v1/skus/HAMMER-M").json().at("price_cents").as_int64() ==
             2700;
    }));
  }

  /// Checks out `quantity` hammers given as items, not from the cart.
  api_reply buy(const std::string& key, int64_t quantity,
                const std::string& token = "tok_visa") {
    auto body = checkout_body(token);
    body["items"] =
        json::array{json::object{{"sku", hammer_sku}, {"quantity", quantity}}};
    return api.post("/v1/checkout", body, buyer, {{"Idempotency-Key", key}});
  }

  /// Two hammers bought and paid; the order id.
  std::string paid_order() {
    auto paid = buy("order-1", 2);
    REQUIRE_MESSAGE(paid.status == 201, paid.body);
    return text(paid.json(), "order_id");
  }

  api_client& api = running_store::api();
  std::string seller, seller_id, buyer, buyer_id, admin_token;
};

} // namespace

TEST_CASE_FIXTURE(api_store, "an email signs up once, and a wrong password or "
                             "an unknown email does not sign in") {
  CHECK(api.post("/v1/users", {{"email", "BUYER@test.local"},
                               {"password", "another-pass"},
                               {"role", "buyer"}})
            .status == 409);
  CHECK(api.post("/v1/sessions",
                 {{"email", "buyer@test.local"}, {"password", "wrong-pass"}})
            .status == 401);
  CHECK(api.post("/v1/sessions",
                 {{"email", "nobody@test.local"}, {"password", "whatever1"}})
            .status == 401);
}

TEST_CASE_FIXTURE(api_store, "a product page is cached, revalidates by its "
                             "ETag, and an unknown product is not found") {
  auto product = list_hammer();
  auto page = api.get("/v1/products/" + product);
  CHECK(page.status == 200);
  CHECK(page.header("Cache-Control") == "public, max-age=60");
  auto etag = page.header("ETag");
  REQUIRE(!etag.empty());
  CHECK(api.send("GET", "/v1/products/" + product, {}, {},
                 {{"If-None-Match", etag}})
            .status == 304);
  CHECK(api.get("/v1/products/nope").status == 404);
}

TEST_CASE_FIXTURE(api_store, "browse filters by category, and refuses an "
                             "unknown sort or a limit past the list limit") {
  list_hammer();
  auto browse = api.get("/v1/products?category=Tools&sort=price_asc&limit=5");
  CHECK(browse.status == 200);
  CHECK(browse.json().at("items").as_array().size() == 1);
  CHECK(api.get("/v1/products?sort=sideways").status == 400);
  CHECK(api.get("/v1/products?limit=1000").status == 400);
}

TEST_CASE_FIXTURE(api_store, "a seller's stock change shows on the SKU, and "
                             "one that would leave less than none conflicts") {
  list_hammer();
  auto sku = api.get("/v1/skus/HAMMER-M");
  CHECK(sku.json().at("available").as_int64() == 10);
  CHECK(api.get("/v1/skus/NOPE").status == 404);
  auto stocked = api.post("/v1/skus/HAMMER-M/stock", {{"delta", 5}}, seller);
  CHECK(stocked.status == 200);
  CHECK(stocked.json().at("available").as_int64() == 15);
  CHECK(api.post("/v1/skus/HAMMER-M/stock", {{"delta", -1000}}, seller)
            .error_code() == "conflict");
}

TEST_CASE_FIXTURE(api_store, "a changed product is found by its new title, "
                             "gets a new ETag, and its SKU charges the new "
                             "price") {
  auto product = list_hammer();
  auto etag = api.get("/v1/products/" + product).header("ETag");
  REQUIRE(!etag.empty());
  rename_hammer(product);
  CHECK(test::wait_until([&] {
    return api.get("/v1/products/" + product).header("ETag") != etag;
  }));
}

TEST_CASE_FIXTURE(api_store, "search filters, counts facets and autocompletes, "
                             "and refuses an unknown sort or a missing "
                             "prefix") {
  rename_hammer(list_hammer());
  auto search = api.get("/v1/"
                        "search?q=hammer&category=Tools&in_stock=true&min_"
                        "price=100&max_price=5000&sort=relevance");
  REQUIRE(search.status == 200);
  auto results = search.json();
  CHECK(results.at("total").as_int64() == 1);
  CHECK(results.at("facets").at("category").at("Tools").as_int64() == 1);
  CHECK(results.at("facets").at("price").as_array().size() == 7);
  // Numbers as a client reads them: "rating":0.0, not Boost.JSON's 0E0.
  CHECK_MESSAGE(std::regex_search(search.body,
                                  std::regex{R"("rating":[0-9.]+[,}])"}),
                search.body);
  CHECK_MESSAGE(search.body.find("E0") == std::string::npos, search.body);
  CHECK(api.get("/v1/search?sort=upside").status == 400);
  auto complete = api.get("/v1/autocomplete?prefix=for");
  CHECK(complete.json().at("suggestions").as_array().at(0).as_string() ==
        "Forged Steel Hammer");
  CHECK(api.get("/v1/autocomplete").status == 400);
}

TEST_CASE_FIXTURE(api_store, "a cart line shows today's title and price, "
                             "refuses an unknown SKU or a bad quantity, and "
                             "can be taken out") {
  rename_hammer(list_hammer());
  auto cart =
      api.send("PUT", "/v1/cart/items/HAMMER-M", R"({"quantity":2})", buyer);
  REQUIRE_MESSAGE(cart.status == 200, cart.body);
  CHECK(cart.json().at("subtotal_cents").as_int64() == 5400);
  CHECK(cart.json().at("items").at(0).at("title").as_string() ==
        "Forged Steel Hammer");
  CHECK(api.send("PUT", "/v1/cart/items/NOPE", R"({"quantity":1})", buyer)
            .status == 404);
  CHECK(api.send("PUT", "/v1/cart/items/HAMMER-M", R"({"quantity":-1})", buyer)
            .status == 400);
  CHECK(api.send("PUT", "/v1/cart/items/HAMMER-M", R"({"quantity":100000})",
                 buyer)
            .status == 400);
  CHECK(api.send("DELETE", "/v1/cart/items/HAMMER-M", {}, buyer)
            .json()
            .at("items")
            .as_array()
            .empty());
  CHECK(api.send("PUT", "/v1/cart/items/HAMMER-M", R"({"quantity":2})", buyer)
            .status == 200);
  CHECK(api.get("/v1/cart", buyer).json().at("items").as_array().size() == 1);
}

TEST_CASE_FIXTURE(api_store,
                  "a checkout from the cart needs an Idempotency-Key: a retry "
                  "with it finds the same order, other parameters under it "
                  "conflict, and the cart is emptied") {
  rename_hammer(list_hammer());
  REQUIRE(api.send("PUT", "/v1/cart/items/HAMMER-M", R"({"quantity":2})", buyer)
              .status == 200);
  CHECK(api.post("/v1/checkout", checkout_body(), buyer).status == 400);
  auto paid = api.post("/v1/checkout", checkout_body(), buyer,
                       {{"Idempotency-Key", "order-1"}});
  REQUIRE_MESSAGE(paid.status == 201, paid.body);
  auto order = text(paid.json(), "order_id");
  CHECK(paid.json().at("total_cents").as_int64() == 5400);
  auto again = api.post("/v1/checkout", checkout_body(), buyer,
                        {{"Idempotency-Key", "order-1"}});
  CHECK(again.status == 201);
  CHECK(text(again.json(), "order_id") == order);
  CHECK(api.post("/v1/checkout", checkout_body("tok_declined"), buyer,
                 {{"Idempotency-Key", "order-1"}})
            .error_code() == "idempotency_conflict");
  CHECK(api.get("/v1/cart", buyer).json().at("items").as_array().empty());
}

TEST_CASE_FIXTURE(api_store, "buying more than the stock is out_of_stock "
                             "naming the SKU, and a declined card is "
                             "payment_declined") {
  list_hammer();
  auto short_of = buy("order-2", 100);
  CHECK(short_of.status == 409);
  CHECK(short_of.error_code() == "out_of_stock");
  CHECK(
      short_of.json().at("error").at("details").at("skus").at(0).as_string() ==
      "HAMMER-M");
  auto declined = buy("order-3", 1, "tok_declined");
  CHECK(declined.status == 402);
  CHECK(declined.error_code() == "payment_declined");
}

TEST_CASE_FIXTURE(api_store, "a buyer reads and lists their order: its seller "
                             "sees it, ships it once, and the admin delivers "
                             "it") {
  list_hammer();
  auto order = paid_order();
  auto read = api.get("/v1/orders/" + order, buyer);
  REQUIRE(read.status == 200);
  CHECK(text(read.json(), "status") == "fulfillment_processing");
  CHECK(read.json().at("history").as_array().size() >= 3);
  CHECK(api.get("/v1/orders/nope", buyer).status == 404);
  CHECK(test::wait_until([&] {
    auto mine = api.get("/v1/orders?status=fulfillment_processing", buyer);
    return mine.status == 200 && mine.json().at("items").as_array().size() == 1;
  }));
  CHECK(api.get("/v1/orders?status=lost", buyer).status == 400);
  auto lines = api.get("/v1/sellers/me/orders", seller);
  CHECK(lines.status == 200);
  CHECK(api.get("/v1/sellers/me/products", seller)
            .json()
            .at("items")
            .as_array()
            .size() == 1);
  CHECK(api.post("/v1/orders/" + order + "/deliver", json::object{}, seller)
            .status == 409);
  CHECK(text(api.post("/v1/orders/" + order + "/ship", json::object{}, seller)
                 .json(),
             "status") == "shipped");
  CHECK(api.post("/v1/orders/" + order + "/ship", json::object{}, seller)
            .status == 409);
  CHECK(api.post("/v1/orders/" + order + "/cancel", json::object{}, buyer)
            .status == 409);
  CHECK(text(api.post("/v1/orders/" + order + "/deliver", json::object{},
                      admin_token)
                 .json(),
             "status") == "delivered");
}

TEST_CASE_FIXTURE(api_store, "a review needs a delivered order, and a rating "
                             "past 5 is refused") {
  auto product = list_hammer();
  auto order = paid_order();
  REQUIRE(api.post("/v1/orders/" + order + "/ship", json::object{}, seller)
              .status == 200);
  REQUIRE(
      api.post("/v1/orders/" + order + "/deliver", json::object{}, admin_token)
          .status == 200);
  CHECK(test::wait_until([&] {
    return api.post("/v1/products/" + product + "/reviews",
                    {{"rating", 5}, {"text", "solid"}}, buyer)
               .status == 201;
  }));
  CHECK(api.post("/v1/products/" + product + "/reviews",
                 {{"rating", 9}, {"text", "x"}}, buyer)
            .status == 400);
}

TEST_CASE_FIXTURE(api_store, "a cancel before shipping gives the stock back, "
                             "and buying given items leaves the cart alone") {
  list_hammer();
  REQUIRE(api.send("PUT", "/v1/cart/items/HAMMER-M", R"({"quantity":1})", buyer)
              .status == 200);
  auto second = buy("order-4", 3);
  REQUIRE(second.status == 201);
  CHECK(api.get("/v1/cart", buyer).json().at("items").as_array().size() == 1);
  auto second_id = text(second.json(), "order_id");
  auto before = api.get("/v1/skus/HAMMER-M").json().at("available").as_int64();
  auto cancelled =
      api.post("/v1/orders/" + second_id + "/cancel", json::object{}, buyer);
  CHECK(text(cancelled.json(), "status") == "cancelled");
  CHECK(test::wait_until([&] {
    return api.get("/v1/skus/HAMMER-M").json().at("available").as_int64() ==
           before + 3;
  }));
}

TEST_CASE_FIXTURE(
    api_store, "the admin refunds part of an order, and the order shows it") {
  list_hammer();
  auto order = paid_order();
  auto refund = api.post("/v1/orders/" + order + "/refund",
                         {{"amount_cents", 1000}}, admin_token);
  CHECK_MESSAGE(refund.status == 200, refund.body);
  CHECK(test::wait_until([&] {
    return api.get("/v1/orders/" + order, buyer)
               .json()
               .at("refunded_cents")
               .as_int64() == 1000;
  }));
}

TEST_CASE_FIXTURE(api_store, "recommendations answer a buyer and a product, "
                             "and an unknown product's are not found") {
  auto product = list_hammer();
  paid_order();
  CHECK(api.get("/v1/recommendations", buyer).status == 200);
  CHECK(api.get("/v1/products/" + product + "/related").status == 200);
  CHECK(api.get("/v1/products/nope/related").status == 404);
}

TEST_CASE_FIXTURE(api_store, "the admin reads a stream's events and past "
                             "state, the audit passes, and the ledger "
                             "reconciles") {
  auto product = list_hammer();
  auto order = paid_order();
  REQUIRE(api.send("PUT", "/v1/cart/items/" + hammer_sku, R"({"quantity":1})",
                   buyer)
              .status == 200);
  auto placed =
      api.get("/v1/admin/streams/order-" + order + "/state", admin_token);
  REQUIRE(placed.status == 200);
  auto payment = text(placed.json().at("state"), "payment_id");
  // A stream of every kind, events and state: the contract test holds
  // each to what /openapi.json says the replay renders.
  for (auto& stream :
       {"sku-" + hammer_sku, "product-" + product, "cart-" + buyer_id,
        "user-" + buyer_id, "payment-" + payment, "order-" + order}) {
    auto all = api.get("/v1/admin/streams/" + stream + "/events", admin_token);
    CHECK_MESSAGE(all.status == 200, stream, all.body);
    CHECK_MESSAGE(!all.json().at("items").as_array().empty(), stream);
    auto now = api.get("/v1/admin/streams/" + stream + "/state", admin_token);
    CHECK_MESSAGE(now.status == 200, stream, now.body);
  }
  auto events = api.get("/v1/admin/streams/order-" + order +
                            "/events?from_seq=1&to_seq=2",
                        admin_token);
  REQUIRE(events.status == 200);
  CHECK(events.json().at("items").as_array().size() == 2);
  auto state = api.get("/v1/admin/streams/order-" + order + "/state?at_seq=1",
                       admin_token);
  REQUIRE(state.status == 200);
  CHECK(state.json().at("sequence").as_int64() == 1);
  CHECK(api.get("/v1/admin/streams/bad/events", admin_token).status == 400);
  CHECK(api.get("/v1/admin/streams/order-none/state", admin_token).status ==
        404);
  auto audit = api.get("/v1/admin/audit", admin_token);
  REQUIRE(audit.status == 200);
  CHECK(audit.json().at("ok").as_bool());
  CHECK(test::wait_until([&] {
    auto ledger = api.get("/v1/admin/ledger", admin_token);
    return ledger.status == 200 &&
           !ledger.json().at("items").as_array().empty();
  }));
  CHECK(test::wait_until([&] {
    auto reconciled =
        api.post("/v1/admin/reconcile", json::object{}, admin_token);
    return reconciled.status == 200 && reconciled.json().at("ok").as_bool();
  }));
}

namespace {

/// The event types of a stream, in order, with when each was recorded.
std::vector<std::pair<std::string, std::string>>
stream_events(api_client& api, const std::string& stream,
              const std::string& admin_token) {
  auto all = api.get("/v1/admin/streams/" + stream + "/events", admin_token);
  REQUIRE_MESSAGE(all.status == 200, all.body);
  auto body = all.json();
  std::vector<std::pair<std::string, std::string>> events;
  for (auto& line : body.at("items").as_array())
    events.emplace_back(text(line.at("event"), "type"),
                        text(line, "recorded_at"));
  return events;
}

} // namespace

TEST_CASE_FIXTURE(api_store, "a paid checkout holds and sells its SKU's "
                             "stock without extending the fresh hold, and "
                             "records the charge with its outcome at once") {
  list_hammer();
  auto order = paid_order();
  auto placed =
      api.get("/v1/admin/streams/order-" + order + "/state", admin_token);
  REQUIRE(placed.status == 200);
  auto payment = text(placed.json().at("state"), "payment_id");
  std::vector<std::string> sku_types;
  for (auto& [type, at] : stream_events(api, "sku-" + hammer_sku, admin_token))
    sku_types.push_back(type);
  CHECK(std::find(sku_types.begin(), sku_types.end(), "stock_reserved") !=
        sku_types.end());
  CHECK(std::find(sku_types.begin(), sku_types.end(),
                  "reservation_confirmed") != sku_types.end());
  CHECK(std::find(sku_types.begin(), sku_types.end(), "reservation_extended") ==
        sku_types.end());
  auto charged = stream_events(api, "payment-" + payment, admin_token);
  REQUIRE(charged.size() >= 2);
  CHECK(charged[0].first == "payment_requested");
  CHECK(charged[1].first == "payment_captured");
  CHECK(charged[0].second == charged[1].second);
  auto audit = api.get("/v1/admin/audit", admin_token);
  REQUIRE(audit.status == 200);
  CHECK(audit.json().at("ok").as_bool());
}

TEST_CASE_FIXTURE(api_store, "a delisted product leaves browse and search") {
  auto product = list_hammer();
  REQUIRE(test::wait_until([&] {
    return api.get("/v1/search?q=hammer").json().at("total").as_int64() == 1;
  }));
  CHECK(api.send("DELETE", "/v1/products/" + product, {}, seller).status ==
        200);
  CHECK(test::wait_until([&] {
    return api.get("/v1/search?q=hammer").json().at("total").as_int64() == 0;
  }));
  CHECK(test::wait_until([&] {
    return api.get("/v1/products").json().at("items").as_array().empty();
  }));
}

TEST_CASE_FIXTURE(api_store, "health, readiness, metrics by route and the "
                             "OpenAPI document are served") {
  list_hammer();
  paid_order();
  CHECK(api.get("/healthz").status == 200);
  CHECK(test::wait_until([&] { return api.get("/readyz").status == 200; }));
  auto metrics = api.get("/metrics");
  CHECK(metrics.body.find("tillroll_http_requests_total{method=\"POST\",route="
                          "\"/v1/checkout\"") != std::string::npos);
  CHECK(metrics.body.find("tillroll_http_request_seconds_bucket") !=
        std::string::npos);
  CHECK(metrics.body.find(
            "tillroll_projection_lag_events{projection=\"search\"}") !=
        std::string::npos);
  auto openapi = api.get("/openapi.json").json();
  CHECK(text(openapi, "openapi") == "3.0.3");
  for (auto path : {"/v1/users", "/v1/checkout", "/v1/orders/{id}/refund",
                    "/v1/admin/streams/{stream}/state", "/openapi.json"})
    CHECK_MESSAGE(openapi.at("paths").as_object().contains(path), path);
}
