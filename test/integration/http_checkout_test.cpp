// Checkout over HTTP under concurrency, against the real binary: 200
// buyers race for 50 units; a retried key gives the first order.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <map>
#include <set>
#include <thread>

#include "../support/running_store.hpp"

using namespace tillroll;
using namespace tillroll::test;
namespace json = boost::json;

TEST_CASE("200 concurrent checkouts over HTTP for 50 units give exactly 50 "
          "orders, and a retried key the same order") {
  running_store store;
  auto& api = store.api();
  auto [seller, seller_id] = api.account("seller@test.local", "seller");
  std::vector<std::string> buyers;
  for (int n = 0; n < 8; ++n)
    buyers.push_back(
        api.account("buyer" + std::to_string(n) + "@test.local", "buyer")
            .first);
  store.list_product(seller, "Limited Sneaker", "DROP-1", 50);

  constexpr int attempts = 200;
  std::atomic<int> created{0}, out_of_stock{0}, other{0};
  std::mutex mutex;
  std::set<std::string> orders;
  std::vector<std::thread> threads;
  for (int n = 0; n < attempts; ++n)
    threads.emplace_back([&, n] {
      auto body = checkout_body();
      body["items"] =
          json::array{json::object{{"sku", "DROP-1"}, {"quantity", 1}}};
      auto reply = api.post("/v1/checkout", body, buyers[n % buyers.size()],
                            {{"Idempotency-Key", "race-" + std::to_string(n)}});
      if (reply.status == 201) {
        ++created;
        std::lock_guard guard{mutex};
        orders.insert(text(reply.json(), "order_id"));
      } else if (reply.status == 409 && reply.error_code() == "out_of_stock") {
        ++out_of_stock;
      } else {
        ++other;
        MESSAGE(reply.status << " " << reply.body);
      }
    });
  for (auto& thread : threads)
    thread.join();
  CHECK(created == 50);
  CHECK(out_of_stock == 150);
  CHECK(other == 0);
  CHECK(orders.size() == 50);
  CHECK(api.get("/v1/skus/DROP-1").json().at("available").as_int64() == 0);
  // Counted on the PSP's side: one capture for each order, none for the
  // 150 refused.
  auto books = api.get("/v1/admin/psp/charges", store.admin());
  REQUIRE_MESSAGE(books.status == 200, books.body);
  std::map<std::string, int64_t> charged;
  auto parsed = books.json();
  for (auto& item : parsed.at("items").as_array()) {
    CHECK(item.at("captures").as_int64() == 1);
    charged[text(item, "reference")] += item.at("captures").as_int64();
  }
  CHECK(charged.size() == 50);
  for (auto& order : orders)
    CHECK_MESSAGE(charged[order] == 1, order);

  // The same key five times at once: one order, the same answer each time.
  std::set<std::string> retried;
  threads.clear();
  auto retry_body = checkout_body();
  retry_body["items"] =
      json::array{json::object{{"sku", "DROP-1"}, {"quantity", 1}}};
  for (int n = 0; n < 5; ++n)
    threads.emplace_back([&] {
      auto reply = api.post("/v1/checkout", retry_body, buyers[0],
                            {{"Idempotency-Key", "race-0"}});
      std::lock_guard guard{mutex};
      retried.insert(std::to_string(reply.status) + " " +
                     (reply.status == 201 ? text(reply.json(), "order_id")
                                          : reply.error_code()));
    });
  for (auto& thread : threads)
    thread.join();
  CHECK(retried.size() == 1);

  auto admin = store.admin();
  auto audit = api.get("/v1/admin/audit", admin);
  REQUIRE(audit.status == 200);
  CHECK(audit.json().at("ok").as_bool());
}
