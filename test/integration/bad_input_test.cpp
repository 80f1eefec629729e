// Bad input against the real binary: each is a 4xx JSON error that names
// the problem, and the server serves the next request.
#include <doctest/doctest.h>

#include "../support/running_store.hpp"

using namespace tillroll;
using namespace tillroll::test;
namespace json = boost::json;

TEST_CASE("malformed, mistyped, oversized and absurd input gets a 4xx JSON "
          "error and changes nothing") {
  running_store store;
  auto& api = store.api();
  auto [seller, seller_id] = api.account("seller@test.local", "seller");
  auto [buyer, buyer_id] = api.account("buyer@test.local", "buyer");
  auto product = store.list_product(seller, "Oak Table", "TABLE-1", 5);
  auto before = api.get("/v1/skus/TABLE-1").body;

  struct bad {
    std::string method;
    std::string path;
    std::string body;
    std::string token;
    int status;
    std::string content_type = "application/json";
  };
  auto variant = [](std::string fields) {
    return R"({"title":"T","category":"C","variants":[{"sku":"V-1","currency":"USD",)" +
           fields + "}]}";
  };
  std::vector<bad> cases{
      {"POST", "/v1/users", "{", "", 400},
      {"POST", "/v1/users", "[1,2]", "", 400},
      {"POST", "/v1/users",
       R"({"email":5,"password":"password-1","role":"buyer"})", "", 400},
      {"POST", "/v1/users", R"({"password":"password-1","role":"buyer"})", "",
       400},
      {"POST", "/v1/users",
       R"({"email":"no-at-sign","password":"password-1","role":"buyer"})", "",
       400},
      {"POST", "/v1/users",
       R"({"email":"a@b.c","password":"password-1","role":"buyer"})", "", 415,
       "text/plain"},
      {"POST", "/v1/users",
       "{\"email\":\"\xff\xfe@b.c\",\"password\":\"password-1\",\"role\":"
       "\"buyer\"}",
       "", 400},
      {"POST", "/v1/users",
       R"({"email":"a@b.c","password":"password-1","role":"buyer","extra":1})",
       "", 400},
      {"POST", "/v1/products", variant(R"("price_cents":-5)"), seller, 400},
      {"POST", "/v1/products", variant(R"("price_cents":1e30)"), seller, 400},
      {"POST", "/v1/products", variant(R"("price_cents":"12")"), seller, 400},
      {"POST", "/v1/products", variant(R"("price_cents":100,"stock":-1)"),
       seller, 400},
      {"POST", "/v1/products", variant(R"("price_cents":100.5)"), seller, 400},
      {"POST", "/v1/products", R"({"title":"T","category":"C","variants":[]})",
       seller, 400},
      {"POST", "/v1/products",
       R"({"title":"T","category":"C","variants":"many"})", seller, 400},
      {"POST", "/v1/products",
       R"({"title":"","category":"C","variants":[{"sku":"V","price_cents":1,"currency":"USD"}]})",
       seller, 400},
      {"POST", "/v1/skus/TABLE-1/stock", R"({"delta":"ten"})", seller, 400},
      {"POST", "/v1/skus/TABLE-1/stock", R"({"delta":0})", seller, 400},
      {"POST", "/v1/skus/TABLE-1/stock", R"({"delta":99999999999999})", seller,
       400},
      {"PUT", "/v1/cart/items/TABLE-1", R"({"quantity":-3})", buyer, 400},
      {"PUT", "/v1/cart/items/TABLE-1", R"({"quantity":1000000000000})", buyer,
       400},
      {"PUT", "/v1/cart/items/TABLE-1", R"({"quantity":null})", buyer, 400},
      {"PUT", "/v1/cart/items/TABLE-1", R"({})", buyer, 400},
      {"POST", "/v1/checkout", R"({"payment_token":"tok_visa"})", buyer, 400},
      {"POST", "/v1/checkout",
       R"({"payment_token":"tok_visa","shipping_address":{},"items":[{"sku":"TABLE-1","quantity":0}]})",
       buyer, 400},
      {"POST", "/v1/checkout",
       R"({"payment_token":"tok_visa","shipping_address":{},"items":[{"sku":"TABLE-1","quantity":-1}]})",
       buyer, 400},
      {"GET", "/v1/products?min_price=abc", "", "", 400},
      {"GET", "/v1/products?cursor=zz", "", "", 400},
      {"GET", "/v1/search?q=%zz", "", "", 400},
      {"GET", "/v1/search?offset=-1", "", "", 400},
      {"GET", "/v1/search?limit=0", "", "", 400},
      {"GET", "/v1/search?in_stock=maybe", "", "", 400},
      {"GET", "/v1/nothing/here", "", "", 404},
      {"DELETE", "/v1/search", "", "", 405},
      {"PUT", "/healthz", "", "", 405},
  };
  for (auto& request : cases) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (request.path == "/v1/checkout")
      headers.emplace_back("Idempotency-Key", "bad-1");
    auto reply = api.send(request.method, request.path, request.body,
                          request.token, headers, request.content_type);
    CHECK_MESSAGE(reply.status == request.status,
                  request.method << " " << request.path << " " << request.body
                                 << " -> " << reply.status << " "
                                 << reply.body);
    CHECK(reply.header("Content-Type") == "application/json");
    CHECK_FALSE(reply.error_code().empty());
    CHECK(api.get("/healthz").status == 200);
  }

  // A body over the limit is refused before it is read in full.
  auto huge = std::string(2 << 20, 'x');
  auto too_large = api.send("POST", "/v1/users", huge);
  CHECK(too_large.status == 413);
  CHECK(api.get("/healthz").status == 200);
  // Raw garbage instead of HTTP: a 400, and the server lives on.
  auto garbage = send_raw(api.port(), "\x01\x02 not http\r\n\r\n");
  if (garbage)
    CHECK(garbage->status == 400);
  CHECK(api.get("/healthz").status == 200);

  CHECK(api.get("/v1/skus/TABLE-1").body == before);
  CHECK(api.get("/v1/cart", buyer).json().at("items").as_array().empty());
}

TEST_CASE("a header or query parameter sent twice and an empty path segment "
          "are refused, not read one way") {
  running_store store;
  auto& api = store.api();
  auto [seller, seller_id] = api.account("seller@test.local", "seller");
  auto [buyer, buyer_id] = api.account("buyer@test.local", "buyer");
  store.list_product(seller, "Oak Table", "TABLE-1", 5);
  auto before = api.get("/v1/skus/TABLE-1").body;

  // Two keys for one stock change: which one would a retry match?
  auto twice =
      api.send("POST", "/v1/skus/TABLE-1/stock", R"({"delta":5})", seller,
               {{"Idempotency-Key", "k-1"}, {"Idempotency-Key", "k-2"}});
  CHECK(twice.status == 400);
  CHECK(twice.error_code() == "invalid_argument");
  CHECK(twice.body.find("Idempotency-Key") != std::string::npos);
  // A second Authorization header could carry another user's token.
  auto two_tokens = api.send("GET", "/v1/cart", {}, buyer,
                             {{"Authorization", "Bearer " + seller}});
  CHECK(two_tokens.status == 400);
  CHECK(two_tokens.body.find("Authorization") != std::string::npos);
  // Which of two prices would a filter mean?
  auto two_prices = api.get("/v1/products?min_price=1&min_price=900000");
  CHECK(two_prices.status == 400);
  CHECK(two_prices.error_code() == "invalid_argument");
  for (auto path :
       {"//v1/products", "/v1//products", "/v1/products/", "/v1/skus//stock"}) {
    auto empty_segment = api.get(path);
    CHECK_MESSAGE(empty_segment.status == 404, path);
    CHECK(empty_segment.error_code() == "not_found");
  }
  // A checkout key past its limit, and a missing one, before any work.
  auto long_key = api.post("/v1/checkout", checkout_body(), buyer,
                           {{"Idempotency-Key", std::string(65, 'k')}});
  CHECK(long_key.status == 400);
  CHECK(long_key.body.find("Idempotency-Key") != std::string::npos);
  // Two Content-Types: a proxy may read one body, this server another.
  auto two_types = api.send("POST", "/v1/skus/TABLE-1/stock", R"({"delta":5})",
                            seller, {{"Content-Type", "text/plain"}});
  CHECK(two_types.status == 415);
  CHECK(api.get("/v1/skus/TABLE-1").body == before);
  CHECK(api.get("/healthz").status == 200);
}

TEST_CASE("a null where the schema takes none is refused: a PATCH cannot "
          "blank a field, nor a checkout send null lines") {
  running_store store;
  auto& api = store.api();
  auto [seller, seller_id] = api.account("seller@test.local", "seller");
  auto [buyer, buyer_id] = api.account("buyer@test.local", "buyer");
  auto product = store.list_product(seller, "Oak Table", "TABLE-1", 5);
  auto page = api.get("/v1/products/" + product).body;
  for (auto field : {"category", "brand", "description", "attributes", "images",
                     "title", "variants"}) {
    auto blanked =
        api.send("PATCH", "/v1/products/" + product,
                 std::string{R"({")"} + field + R"(":null})", seller);
    CHECK_MESSAGE(blanked.status == 400, field, blanked.body);
    CHECK(blanked.body.find(field) != std::string::npos);
  }
  // Two prices for one SKU: the page and the SKU would disagree.
  auto twice = api.send(
      "PATCH", "/v1/products/" + product,
      R"({"variants":[{"sku":"TABLE-1","price_cents":1100,"currency":"USD"},)"
      R"({"sku":"TABLE-1","price_cents":900,"currency":"USD"}]})",
      seller);
  CHECK(twice.status == 400);
  CHECK(api.get("/v1/products/" + product).body == page);
  CHECK(api.get("/v1/skus/TABLE-1").json().at("price_cents").as_int64() ==
        2500);
  auto null_lines = api.send(
      "POST", "/v1/checkout",
      R"({"payment_token":"tok_visa","shipping_address":{},"items":null})",
      buyer, {{"Idempotency-Key", "null-lines"}});
  CHECK(null_lines.status == 400);
  CHECK(null_lines.body.find("items") != std::string::npos);
  // An unknown SKU is 404, as /openapi.json lists for checkout.
  auto unknown = api.send(
      "POST", "/v1/checkout",
      R"({"payment_token":"tok_visa","shipping_address":{},"items":[{"sku":"NOPE-9","quantity":1}]})",
      buyer, {{"Idempotency-Key", "unknown-sku"}});
  CHECK(unknown.status == 404);
  CHECK(api.get("/healthz").status == 200);
}

TEST_CASE("a PATCH refused in any part changes nothing: not the title, not "
          "another variant's price") {
  running_store store;
  auto& api = store.api();
  auto [seller, seller_id] = api.account("seller@test.local", "seller");
  auto product = store.list_product(seller, "Oak Table", "TABLE-1", 5);
  auto page = api.get("/v1/products/" + product).body;
  auto sku = api.get("/v1/skus/TABLE-1").body;
  auto admin = store.admin();
  auto stream = "/v1/admin/streams/product-" + product + "/events";
  auto events_before =
      api.get(stream, admin).json().at("items").as_array().size();
  for (
      auto [body, status] :
      {std::pair{
           R"({"title":"Renamed","variants":[{"sku":"TABLE-1","price_cents":1100,"currency":"USD"},)"
           R"({"sku":"NOPE-9","price_cents":1,"currency":"USD"}]})",
           404},
       std::pair{
           R"({"title":"Renamed","variants":[{"sku":"TABLE-1","price_cents":1100,"currency":"EUR"}]})",
           400},
       std::pair{
           R"({"title":"Renamed","variants":[{"sku":"TABLE-1","price_cents":1100,"currency":"USD"},)"
           R"({"sku":"table-1","price_cents":900,"currency":"USD"}]})",
           404}}) {
    auto refused = api.send("PATCH", "/v1/products/" + product, body, seller);
    CHECK_MESSAGE(refused.status == status, refused.body);
  }
  CHECK(api.get("/v1/products/" + product).body == page);
  CHECK(api.get("/v1/skus/TABLE-1").body == sku);
  CHECK(api.get(stream, admin).json().at("items").as_array().size() ==
        events_before);
}
