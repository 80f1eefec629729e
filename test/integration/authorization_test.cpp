// The authorization matrix against the real binary: other buyers' ids,
// other sellers' products, admin routes as buyer and seller, anonymous
// calls, forged tokens. Each is refused, and nothing changed. Each case
// starts its own store with two sellers, two buyers and one order.
#include <doctest/doctest.h>

#include "../support/running_store.hpp"

using namespace tillroll;
using namespace tillroll::test;
namespace json = boost::json;

namespace {

struct attempt {
  std::string method;
  std::string path;
  std::string body;
};

struct guarded_store : running_store {
  guarded_store() {
    std::tie(seller, seller_id) = api.account("seller-a@test.local", "seller");
    std::tie(other_seller, other_seller_id) =
        api.account("seller-b@test.local", "seller");
    std::tie(buyer, buyer_id) = api.account("buyer-a@test.local", "buyer");
    std::tie(other_buyer, other_buyer_id) =
        api.account("buyer-b@test.local", "buyer");
    admin_token = admin();

    product = list_product(seller, "Brass Lamp", "LAMP-1", 20);
    auto body = checkout_body();
    body["items"] =
        json::array{json::object{{"sku", "LAMP-1"}, {"quantity", 2}}};
    auto placed =
        api.post("/v1/checkout", body, buyer, {{"Idempotency-Key", "a-1"}});
    REQUIRE(placed.status == 201);
    order = text(placed.json(), "order_id");
    REQUIRE(api.send("PUT", "/v1/cart/items/LAMP-1", R"({"quantity":1})", buyer)
                .status == 200);
    before = snapshot();

    buyer_only = {
        {"GET", "/v1/cart", ""},
        {"PUT", "/v1/cart/items/LAMP-1", R"({"quantity":5})"},
        {"DELETE", "/v1/cart/items/LAMP-1", ""},
        {"POST", "/v1/checkout",
         R"({"payment_token":"tok_visa","shipping_address":{}})"},
        {"GET", "/v1/orders", ""},
        {"GET", "/v1/recommendations", ""},
        {"POST", "/v1/products/" + product + "/reviews", R"({"rating":1})"}};
    seller_only = {{"POST", "/v1/products",
                    R"({"title":"x","category":"y","variants":[]})"},
                   {"PATCH", "/v1/products/" + product, patch},
                   {"DELETE", "/v1/products/" + product, ""},
                   {"POST", "/v1/skus/LAMP-1/stock", R"({"delta":-20})"},
                   {"GET", "/v1/sellers/me/products", ""},
                   {"GET", "/v1/sellers/me/orders", ""}};
    admin_only = {{"GET", "/v1/admin/streams/order-" + order + "/events", ""},
                  {"GET", "/v1/admin/streams/order-" + order + "/state", ""},
                  {"GET", "/v1/admin/audit", ""},
                  {"GET", "/v1/admin/ledger", ""},
                  {"POST", "/v1/admin/reconcile", "{}"},
                  {"POST", "/v1/orders/" + order + "/refund", "{}"}};
    owner_only = {{"GET", "/v1/orders/" + order, ""},
                  {"POST", "/v1/orders/" + order + "/cancel", "{}"},
                  {"POST", "/v1/orders/" + order + "/ship", "{}"},
                  {"POST", "/v1/orders/" + order + "/deliver", "{}"}};
  }

  /// What a refused call must leave as it was.
  std::string snapshot() {
    return api.get("/v1/products/" + product).body + "|" +
           api.get("/v1/orders/" + order, buyer).body + "|" +
           api.get("/v1/skus/LAMP-1").body + "|" +
           api.get("/v1/cart", buyer).body;
  }

  /// Every call answers `status` with a JSON body.
  void expect(const std::vector<attempt>& attempts, const std::string& token,
              int status) {
    for (auto& call : attempts) {
      auto reply = api.send(call.method, call.path, call.body, token);
      CHECK_MESSAGE(reply.status == status,
                    call.method << " " << call.path << " -> " << reply.status
                                << " " << reply.body);
      CHECK(reply.header("Content-Type") == "application/json");
    }
  }

  api_client& api = running_store::api();
  std::string seller, seller_id, other_seller, other_seller_id;
  std::string buyer, buyer_id, other_buyer, other_buyer_id, admin_token;
  std::string product, order, before;
  const std::string patch = R"({"title":"Stolen"})";
  std::vector<attempt> buyer_only, seller_only, admin_only, owner_only;
};

} // namespace

TEST_CASE_FIXTURE(guarded_store,
                  "an anonymous call to a route that needs an account is 401") {
  for (auto* group : {&buyer_only, &seller_only, &admin_only, &owner_only})
    expect(*group, "", 401);
  CHECK(snapshot() == before);
}

TEST_CASE_FIXTURE(guarded_store, "a forged or tampered token is 401") {
  for (auto token : {std::string{"garbage"}, buyer + "x",
                     buyer.substr(0, buyer.find('.')) + ".AAAA"})
    expect(buyer_only, token, 401);
  CHECK(snapshot() == before);
}

TEST_CASE_FIXTURE(guarded_store,
                  "a buyer cannot use seller or admin routes, nor read or "
                  "change another buyer's order") {
  expect(seller_only, buyer, 403);
  expect(admin_only, buyer, 403);
  expect(owner_only, other_buyer, 403);
  CHECK(snapshot() == before);
}

TEST_CASE_FIXTURE(guarded_store, "a seller cannot use buyer or admin routes") {
  expect(buyer_only, seller, 403);
  expect(admin_only, seller, 403);
  CHECK(snapshot() == before);
}

TEST_CASE_FIXTURE(guarded_store,
                  "a seller cannot change another seller's product or stock, "
                  "nor see or move an order of theirs") {
  for (auto& call : std::vector<attempt>{
           {"PATCH", "/v1/products/" + product, patch},
           {"DELETE", "/v1/products/" + product, ""},
           {"POST", "/v1/skus/LAMP-1/stock", R"({"delta":-20})"},
           {"GET", "/v1/orders/" + order, ""},
           {"POST", "/v1/orders/" + order + "/cancel", "{}"},
           {"POST", "/v1/orders/" + order + "/ship", "{}"},
           {"POST", "/v1/orders/" + order + "/deliver", "{}"}}) {
    auto reply = api.send(call.method, call.path, call.body, other_seller);
    CHECK_MESSAGE(reply.status == 403,
                  call.method << " " << call.path << " -> " << reply.body);
  }
  // Another seller sees none of the first one's sales.
  CHECK(api.get("/v1/sellers/me/orders", other_seller)
            .json()
            .at("items")
            .as_array()
            .empty());
  CHECK(snapshot() == before);
}

TEST_CASE_FIXTURE(guarded_store, "the admin is not a buyer or a seller") {
  expect(buyer_only, admin_token, 403);
  expect(seller_only, admin_token, 403);
  CHECK(snapshot() == before);
}

TEST_CASE_FIXTURE(guarded_store, "fields the server owns are refused when a "
                                 "client sends them") {
  auto owned =
      api.post("/v1/products",
               {{"title", "Mine"},
                {"category", "Tools"},
                {"seller_id", seller_id},
                {"variants", json::array{json::object{{"sku", "OWN-1"},
                                                      {"price_cents", 100},
                                                      {"currency", "USD"}}}}},
               other_seller);
  CHECK(owned.status == 400);
  CHECK(api.send("PUT", "/v1/cart/items/LAMP-1",
                 R"({"quantity":1,"unit_price_cents":1})", buyer)
            .status == 400);
  auto priced = checkout_body();
  priced["total_cents"] = 1;
  CHECK(api.post("/v1/checkout", priced, buyer, {{"Idempotency-Key", "cheap"}})
            .status == 400);
  CHECK(
      api.send(
             "POST", "/v1/users",
             R"({"email":"root@test.local","password":"password-1","role":"admin"})")
          .status == 400);
  CHECK(
      api.send(
             "POST", "/v1/users",
             R"({"email":"admin@test.local","password":"password-1","role":"buyer"})")
          .status == 409);
  CHECK(snapshot() == before);
}
