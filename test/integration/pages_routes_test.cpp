// What the pages stand on, through HTTP against the real binary: the
// built pages with ETags, and the routes the storefront and the console
// read (reviews, best sellers, the global log, a stream's diff, the read
// models), with their refusals.
#include <doctest/doctest.h>

#include <set>

#include "../support/running_store.hpp"

using namespace tillroll;
using namespace tillroll::test;
namespace json = boost::json;

namespace {

struct pages_store : running_store {
  pages_store() {
    std::tie(seller, seller_id) = api().account("seller@test.local", "seller");
    std::tie(buyer, buyer_id) = api().account("buyer@test.local", "buyer");
    admin_token = admin();
  }
  std::string seller, seller_id, buyer, buyer_id, admin_token;

  std::string paid_order(const std::string& sku, const std::string& key) {
    auto body = checkout_body();
    body["items"] = json::array{json::object{{"sku", sku}, {"quantity", 1}}};
    auto paid =
        api().post("/v1/checkout", body, buyer, {{"Idempotency-Key", key}});
    REQUIRE_MESSAGE(paid.status == 201, paid.body);
    return text(paid.json(), "order_id");
  }
};

} // namespace

TEST_CASE_FIXTURE(pages_store, "the storefront and the console are served "
                               "with ETags, and revalidate to 304") {
  auto home = api().get("/");
  REQUIRE(home.status == 200);
  CHECK(home.header("Content-Type").starts_with("text/html"));
  CHECK(home.body.find("/assets/store.js") != std::string::npos);
  CHECK(home.header("Content-Security-Policy").find("script-src 'self'") !=
        std::string::npos);
  auto etag = home.header("ETag");
  REQUIRE(!etag.empty());
  auto again = api().send("GET", "/", {}, {}, {{"If-None-Match", etag}});
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  auto console = api().get("/console/");
  CHECK(console.status == 200);
  CHECK(console.body.find("/console/console.js") != std::string::npos);
  CHECK(api().get("/console").body == console.body);
  auto script = api().get("/assets/store.js");
  CHECK(script.status == 200);
  CHECK(script.header("Content-Type").starts_with("text/javascript"));
  // Outside the pages, and under /v1, unknown paths stay JSON 404s.
  // Only the pages' own files: not what else the folder holds.
  for (auto* path : {"/nope.html", "/v1/nope", "/../CMakeLists.txt",
                     "/assets/../../README.md", "/Makefile",
                     "/cmake_install.cmake", "/CMakeFiles/Makefile2"}) {
    auto missing = api().get(path);
    CHECK_MESSAGE(missing.status == 404, path);
    CHECK(missing.error_code() == "not_found");
  }
  CHECK(api().send("POST", "/", "{}").status == 404);
}

TEST_CASE_FIXTURE(pages_store,
                  "a product's reviews list newest first with "
                  "a cursor, and best sellers sort by units sold") {
  auto slow = list_product(seller, "Slow Seller", "SLOW-1", 10);
  auto fast = list_product(seller, "Fast Seller", "FAST-1", 10);
  for (auto* key : {"k1", "k2", "k3"})
    paid_order("FAST-1", key);
  paid_order("SLOW-1", "k4");
  REQUIRE(wait_until([&] {
    auto best = api().get("/v1/products?sort=best_selling&limit=2");
    return best.status == 200 &&
           text(best.json().at("items").at(0), "id") == fast;
  }));
  auto reviews = api().get("/v1/products/" + fast + "/reviews");
  REQUIRE(reviews.status == 200);
  CHECK(reviews.json().at("items").as_array().empty());
  CHECK(reviews.json().at("next_cursor").is_null());
  // A delivered buyer's review is listed, without the buyer's id.
  auto delivered = paid_order("FAST-1", "k5");
  for (auto* step : {"/ship", "/deliver"})
    REQUIRE(api()
                .post("/v1/orders/" + delivered + step, json::object{}, seller)
                .status == 200);
  REQUIRE(wait_until([&] {
    return api()
               .post("/v1/products/" + fast + "/reviews",
                     json::object{{"rating", 4}, {"text", "Bright"}}, buyer)
               .status == 201;
  }));
  auto listed = api().get("/v1/products/" + fast + "/reviews").json();
  REQUIRE(listed.at("items").as_array().size() == 1);
  auto& review = listed.at("items").at(0).as_object();
  CHECK(review.at("rating").as_int64() == 4);
  CHECK(text(review, "text") == "Bright");
  CHECK_FALSE(review.contains("buyer_id"));
  CHECK(listed.at("next_cursor").is_null());
  CHECK(api().get("/v1/products/nope/reviews").status == 404);
  CHECK(api().get("/v1/products/" + fast + "/reviews?limit=0").status == 400);
  CHECK(api().get("/v1/products/" + fast + "/reviews?cursor=x").status == 400);
  CHECK(api().get("/v1/products/" + slow + "/reviews?limit=51").status == 400);
}

TEST_CASE_FIXTURE(pages_store, "the global log pages by kind and "
                               "correlation with a cursor, for admins only") {
  list_product(seller, "Log Hammer", "LOG-1", 5);
  auto order = paid_order("LOG-1", "log-1");
  auto first = api().get("/v1/admin/events?kind=order&limit=2", admin_token);
  REQUIRE_MESSAGE(first.status == 200, first.body);
  auto first_page = first.json();
  auto& items = first_page.at("items").as_array();
  REQUIRE(items.size() == 2);
  for (auto& line : items)
    CHECK(text(line, "stream").starts_with("order-"));
  CHECK(text(items.at(0), "stream") == "order-" + order);
  auto cursor = first_page.at("next_cursor");
  REQUIRE(cursor.is_string());
  auto next = api().get("/v1/admin/events?kind=order&limit=500&cursor=" +
                            std::string{cursor.as_string()},
                        admin_token);
  REQUIRE(next.status == 200);
  auto after = items.at(1).at("position").as_int64();
  auto next_page = next.json();
  for (auto& line : next_page.at("items").as_array())
    CHECK(line.at("position").as_int64() > after);
  CHECK(next_page.at("next_cursor").is_null());
  // Every event of the checkout's correlation, across its streams.
  auto correlation = text(items.at(0), "correlation_id");
  auto traced = api().get(
      "/v1/admin/events?limit=500&correlation_id=" + correlation, admin_token);
  REQUIRE(traced.status == 200);
  CHECK(correlation == "order-" + order);
  std::set<std::string> kinds;
  bool caused_by_the_order = false;
  auto traced_page = traced.json();
  for (auto& line : traced_page.at("items").as_array()) {
    CHECK(text(line, "correlation_id") == correlation);
    // A saga step names the order event it followed.
    if (text(line, "causation_id").starts_with("order-" + order + "#") &&
        !text(line, "stream").starts_with("order-"))
      caused_by_the_order = true;
    kinds.insert(
        text(line, "stream").substr(0, text(line, "stream").find('-')));
  }
  CHECK(kinds.size() > 1);
  CHECK(caused_by_the_order);
  CHECK(api().get("/v1/admin/events", buyer).status == 403);
  CHECK(api().get("/v1/admin/events").status == 401);
  CHECK(api().get("/v1/admin/events?cursor=-1", admin_token).status == 400);
  CHECK(api().get("/v1/admin/events?cursor=1x", admin_token).status == 400);
  CHECK(api().get("/v1/admin/events?limit=501", admin_token).status == 400);
  CHECK(api()
            .get("/v1/admin/events?cursor=99999999", admin_token)
            .json()
            .at("items")
            .as_array()
            .empty());
}

TEST_CASE_FIXTURE(pages_store, "a stream's events carry the state after "
                               "each, and its diff names what changed") {
  list_product(seller, "Diff Hammer", "DIFF-1", 5);
  auto order = paid_order("DIFF-1", "diff-1");
  auto stream = "/v1/admin/streams/order-" + order;
  auto events = api().get(stream + "/events?with_state=true", admin_token);
  REQUIRE(events.status == 200);
  auto events_page = events.json();
  auto& lines = events_page.at("items").as_array();
  REQUIRE(lines.size() > 2);
  for (auto& line : lines)
    CHECK(line.as_object().contains("state"));
  CHECK_FALSE(api()
                  .get(stream + "/events", admin_token)
                  .json()
                  .at("items")
                  .at(0)
                  .as_object()
                  .contains("state"));
  auto last = lines.back().at("sequence").as_int64();
  auto diff = api().get(
      stream + "/diff?from_seq=1&to_seq=" + std::to_string(last), admin_token);
  REQUIRE_MESSAGE(diff.status == 200, diff.body);
  auto answer = diff.json().as_object();
  CHECK(answer.at("from").at("sequence").as_int64() == 1);
  CHECK(answer.at("to").at("sequence").as_int64() == last);
  bool status_changed = false;
  for (auto& change : answer.at("changes").as_array())
    if (text(change, "path") == "/status") {
      status_changed = true;
      CHECK(text(change, "op") == "replace");
      CHECK(change.at("before") != change.at("after"));
    }
  CHECK(status_changed);
  auto same = api().get(stream + "/diff?from_seq=2&to_seq=2", admin_token);
  CHECK(same.json().at("changes").as_array().empty());
  CHECK(api().get(stream + "/diff?to_seq=2", admin_token).status == 400);
  CHECK(api()
            .get(stream + "/diff?from_seq=1&to_seq=" + std::to_string(last + 1),
                 admin_token)
            .status == 404);
  CHECK(api().get(stream + "/diff?from_seq=0", admin_token).status == 400);
  CHECK(api()
            .get(stream + "/diff?from_seq=1&to_time=yesterday", admin_token)
            .status == 400);
  CHECK(api()
            .get("/v1/admin/streams/order-nope/diff?from_seq=1", admin_token)
            .status == 404);
  CHECK(api().get(stream + "/diff?from_seq=1", buyer).status == 403);
}

TEST_CASE_FIXTURE(pages_store, "the read models show their offsets and lag") {
  auto models = api().get("/v1/admin/read-models", admin_token);
  REQUIRE(models.status == 200);
  std::set<std::string> names;
  auto listed = models.json();
  for (auto& model : listed.at("items").as_array()) {
    names.insert(text(model, "name"));
    CHECK(model.at("lag_events").as_int64() >= 0);
  }
  for (auto* name : {"catalog", "search", "orders", "ledger"})
    CHECK_MESSAGE(names.contains(name), name);
  CHECK(api().get("/v1/admin/read-models", seller).status == 403);
}

TEST_CASE_FIXTURE(pages_store, "a SKU of the longest id is sold: trace ids "
                               "longer than the envelope takes are cut") {
  // sku-<128 characters> is 132 bytes; a trace id takes at most 128.
  std::string sku(128, 'L');
  list_product(seller, "Long Hammer", sku, 5);
  auto order = paid_order(sku, "long-1");
  auto page = api().get("/v1/admin/events?kind=sku&limit=500", admin_token);
  REQUIRE(page.status == 200);
  auto lines = page.json();
  size_t seen = 0;
  for (auto& line : lines.at("items").as_array()) {
    if (text(line, "stream") != "sku-" + sku)
      continue;
    ++seen;
    CHECK(text(line, "correlation_id").size() <= 128);
    CHECK(text(line, "causation_id").size() <= 128);
  }
  CHECK(seen >= 3);
  auto status = text(api().get("/v1/orders/" + order, buyer).json(), "status");
  CHECK((status == "payment_confirmed" || status == "fulfillment_processing"));
}
