// Checkout admission against the real binary (API.md, "Rate limits and
// overload"): past the checkouts a node runs at once a checkout is placed
// queued (202) and completes later; past the queue it is 429 with a
// Retry-After from the queue's depth; nothing accepted is lost, not even
// to a kill -9.
#include <doctest/doctest.h>

#include <future>
#include <thread>

#include "../support/running_store.hpp"

using namespace tillroll;
using namespace tillroll::test;
namespace json = boost::json;

namespace {

struct flood_result {
  std::vector<api_reply> replies;
  std::vector<std::string> tokens;
};

/// `buyers` buyers check out one lamp each at once.
flood_result flood(running_store& store, int buyers, const std::string& tag) {
  flood_result out;
  for (int index = 0; index < buyers; ++index)
    out.tokens.push_back(
        store.api()
            .account(tag + std::to_string(index) + "@queue.test", "buyer")
            .first);
  std::vector<std::future<api_reply>> answers;
  for (auto& token : out.tokens)
    answers.push_back(std::async(std::launch::async, [&store, token] {
      api_client client{store.api().port()};
      auto body = checkout_body();
      body["items"] =
          json::array{json::object{{"sku", "QLAMP-1"}, {"quantity", 1}}};
      return client.post("/v1/checkout", body, token,
                         {{"Idempotency-Key", "q1"}});
    }));
  for (auto& answer : answers)
    out.replies.push_back(answer.get());
  return out;
}

std::string status_of(running_store& store, const std::string& token,
                      const std::string& order_id) {
  auto order = store.api().get("/v1/orders/" + order_id, token);
  REQUIRE_MESSAGE(order.status == 200, order.body);
  return text(order.json(), "status");
}

} // namespace

TEST_CASE("past the checkouts in flight a checkout is queued 202 and "
          "completes, and past the queue it is 429 with Retry-After") {
  running_store store{{"--checkout-in-flight-max", "1", "--checkout-queue-max",
                       "2", "--psp-latency-ms", "1500"}};
  auto seller = store.api().account("seller@queue.test", "seller").first;
  store.list_product(seller, "Lamp", "QLAMP-1", 50);
  auto result = flood(store, 6, "flood");
  int placed = 0, queued = 0, refused = 0;
  std::vector<std::pair<std::string, std::string>> queued_orders;
  for (size_t index = 0; index < result.replies.size(); ++index) {
    auto& reply = result.replies[index];
    if (reply.status == 201) {
      ++placed;
    } else if (reply.status == 202) {
      ++queued;
      CHECK(text(reply.json(), "status") == "queued");
      queued_orders.emplace_back(result.tokens[index],
                                 text(reply.json(), "order_id"));
    } else {
      REQUIRE_MESSAGE(reply.status == 429, reply.body);
      CHECK(reply.error_code() == "rate_limited");
      CHECK(std::stoll(reply.header("Retry-After")) >= 1);
      ++refused;
    }
  }
  MESSAGE(placed << " placed, " << queued << " queued, " << refused
                 << " refused");
  CHECK(placed >= 1);
  CHECK(queued == 2);
  CHECK(refused == 6 - placed - queued);
  CHECK(refused >= 1);
  // Every queued order completes: it was accepted, so it is never lost.
  for (auto& [token, order_id] : queued_orders)
    CHECK(wait_until(
        [&] {
          return status_of(store, token, order_id) == "fulfillment_processing";
        },
        std::chrono::seconds{30}));
  auto metrics = store.api().get("/metrics");
  CHECK(metrics.body.find("tillroll_checkout_refused_total") !=
        std::string::npos);
  CHECK(metrics.body.find("status=\"429\"") != std::string::npos);
  auto levels = store.api().get("/v1/skus/QLAMP-1").json();
  CHECK(levels.at("available").as_int64() == 50 - placed - queued);
}

TEST_CASE("a queued checkout survives a kill -9 and completes after the "
          "restart") {
  temp_directory data;
  std::vector<std::pair<std::string, std::string>> queued_orders;
  {
    running_store store{data.path(),
                        {"--checkout-in-flight-max", "1",
                         "--checkout-queue-max", "3", "--psp-latency-ms",
                         "1500", "--checkout-wait-ms", "4000"}};
    auto seller = store.api().account("seller2@queue.test", "seller").first;
    store.list_product(seller, "Lamp", "QLAMP-1", 50);
    auto result = flood(store, 3, "kill");
    for (size_t index = 0; index < result.replies.size(); ++index)
      if (result.replies[index].status == 202 &&
          status_of(store, result.tokens[index],
                    text(result.replies[index].json(), "order_id")) ==
              "created")
        queued_orders.emplace_back(
            result.tokens[index],
            text(result.replies[index].json(), "order_id"));
    store.server.kill_now();
  }
  REQUIRE(!queued_orders.empty());
  running_store store{data.path(), {}};
  for (auto& [token, order_id] : queued_orders)
    CHECK(wait_until(
        [&] {
          return status_of(store, token, order_id) == "fulfillment_processing";
        },
        std::chrono::seconds{40}));
  auto report = store.api().get("/v1/admin/audit", store.admin());
  CHECK_MESSAGE(report.json().at("ok").as_bool(), report.body);
}
