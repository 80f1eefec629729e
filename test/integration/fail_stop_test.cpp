// The binary's fail-stop, from outside: a failed fsync of the log (armed
// with --inject-fault) is answered 503, /healthz and /readyz say so, the
// process exits with status 74, and the restart has every order that was
// answered 201. With --durability off, a snapshot that outlived its
// events after a kill -9 does not wedge its entity.
#include <doctest/doctest.h>

#include <set>

#include "../support/process.hpp"
#include "../support/running_store.hpp"
#include "../support/wait.hpp"

using namespace tillroll;
using namespace tillroll::test;
namespace json = boost::json;

TEST_CASE("a failed fsync is answered 503, stops the binary with status 74, "
          "and the restart has every acknowledged order") {
  test::temp_directory data;
  std::set<std::string> acknowledged;
  int refused = 0;
  std::string seller;
  std::string buyer;
  {
    // The node's own start and the listing take some fsyncs; the 150th
    // fails in the middle of the checkouts.
    running_store store{data.path(), {"--inject-fault", "fsync:150"}};
    auto& api = store.api();
    seller = api.account("seller@test.local", "seller").first;
    buyer = api.account("buyer@test.local", "buyer").first;
    store.list_product(seller, "Fragile Vase", "VASE-1", 500);
    auto port = api.port();
    bool gone = false;
    for (int attempt = 0; attempt < 400 && refused == 0 && !gone; ++attempt) {
      auto body = checkout_body();
      body["items"] =
          json::array{json::object{{"sku", "VASE-1"}, {"quantity", 1}}};
      auto reply = test::send_raw(
          port, test::request_bytes(
                    "POST", "/v1/checkout", json::serialize(body), buyer,
                    {{"Idempotency-Key", "k" + std::to_string(attempt)}},
                    "application/json"));
      if (!reply) {
        // The node stopped while this checkout was under way: not
        // acknowledged, so the restart may or may not have it.
        gone = true;
      } else if (reply->status == 201) {
        acknowledged.insert(text(json::parse(reply->body), "order_id"));
      } else {
        // Never a 5xx other than 503, never a business answer.
        CHECK_MESSAGE(reply->status == 503,
                      reply->status << " " << reply->body);
        ++refused;
      }
    }
    REQUIRE_MESSAGE((refused > 0 || gone), "the fault never fired");
    REQUIRE_MESSAGE(!acknowledged.empty(), "nothing acknowledged before it");
    // Within the grace before it exits, health checks see it.
    if (auto ready = test::http_get(port, "/readyz")) {
      CHECK(ready->status == 503);
      if (auto health = test::http_get(port, "/healthz")) {
        // As docs/api.md says: the log's failure, not a passing outage.
        CHECK(health->status == 503);
        CHECK_MESSAGE(health->body.find("\"storage_failure\"") !=
                          std::string::npos,
                      health->body);
      }
    }
    auto exited = store.server.wait_exit(std::chrono::seconds{10});
    REQUIRE(exited);
    CHECK(*exited == 74);
  }
  running_store restarted{data.path(), {}};
  auto& api = restarted.api();
  auto buyer_again = api.sign_in("buyer@test.local", "password-buyer").first;
  for (auto& order : acknowledged) {
    auto read = api.get("/v1/orders/" + order, buyer_again);
    CHECK_MESSAGE(read.status == 200, order << " " << read.body);
  }
  auto audit = api.get("/v1/admin/audit", restarted.admin());
  REQUIRE(audit.status == 200);
  CHECK_MESSAGE(audit.json().at("ok").as_bool(), audit.body);
}

TEST_CASE("a failed write of any of the log's writers, a projection's as "
          "well as the journal's, stops the binary with status 74") {
  // Which writer meets the Nth write depends on timing: the journal, a
  // projection's checkpoint, the due index. Whichever it is, the node
  // stops; before, a projection's failure left it up, answering 503.
  for (int failing : {2, 5, 8, 12, 17}) {
    CAPTURE(failing);
    test::temp_directory data;
    test::server_process server{serve_arguments(
        data.path(), {"--inject-fault", "write:" + std::to_string(failing)})};
    // An early fault stops the node before it serves at all.
    auto line = server.first_line(std::chrono::seconds{20});
    auto colon = line ? line->rfind(':', line->find(" (data")) : 0;
    auto port =
        line ? static_cast<uint16_t>(std::stoi(line->substr(colon + 1))) : 0;
    for (int index = 0; port != 0 && index < 20; ++index) {
      auto body = json::serialize(
          json::object{{"email", "w" + std::to_string(index) + "@test.local"},
                       {"password", "password-buyer"},
                       {"role", "buyer"}});
      auto reply =
          test::send_raw(port, test::request_bytes("POST", "/v1/users", body,
                                                   {}, {}, "application/json"));
      if (reply)
        CHECK_MESSAGE((reply->status == 201 || reply->status == 503),
                      reply->status << " " << reply->body);
    }
    auto exited = server.wait_exit(std::chrono::seconds{10});
    REQUIRE_MESSAGE(exited, "the node stayed up on a failed log");
    CHECK(*exited == 74);
  }
}

TEST_CASE("with durability off, a snapshot that outlived its events after "
          "kill -9 does not wedge its entity") {
  test::temp_directory data;
  std::string seller;
  {
    running_store store{data.path(),
                        {"--durability", "off", "--snapshot-every", "1"}};
    auto& api = store.api();
    seller = api.account("seller@test.local", "seller").first;
    store.list_product(seller, "Loose Thread", "THREAD-1", 5);
    for (int change = 0; change < 5; ++change) {
      auto stock = api.post("/v1/skus/THREAD-1/stock",
                            json::object{{"delta", 1}}, seller);
      REQUIRE_MESSAGE(stock.status == 200, stock.body);
    }
    // The snapshots went through the write-ahead log, the events did not.
    store.server.kill_now();
  }
  running_store restarted{data.path(), {"--durability", "off"}};
  auto& api = restarted.api();
  // The account may be gone with the rest of what was never flushed.
  auto session = api.post("/v1/sessions", {{"email", "seller@test.local"},
                                           {"password", "password-seller"}});
  auto seller_again = session.status == 200
                          ? text(session.json(), "token")
                          : api.account("seller@test.local", "seller").first;
  // Whatever survived, the SKU takes commands again: no endless conflict.
  auto stock = api.post("/v1/skus/THREAD-1/stock", json::object{{"delta", 1}},
                        seller_again);
  CHECK_MESSAGE(
      (stock.status == 200 || stock.status == 404 || stock.status == 403),
      stock.status << " " << stock.body);
  auto created = api.post(
      "/v1/products",
      json::object{{"title", "Loose Thread"},
                   {"description", "again"},
                   {"brand", "Acme"},
                   {"category", "Tools"},
                   {"variants", json::array{json::object{{"sku", "THREAD-2"},
                                                         {"price_cents", 100},
                                                         {"currency", "USD"},
                                                         {"stock", 1}}}}},
      seller_again);
  CHECK_MESSAGE(created.status == 201, created.body);
}
