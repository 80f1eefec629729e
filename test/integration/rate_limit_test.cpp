// Rate limits as API.md's "Rate limits and overload" states them, against
// the real binary: past its limit a client gets 429 rate_limited with a
// Retry-After in whole seconds, and nothing changes; others go on.
#include "events/time_text.hpp"

#include <doctest/doctest.h>

#include "../support/running_store.hpp"

using namespace tillroll;
using namespace tillroll::test;
namespace json = boost::json;

namespace {

/// The Retry-After of a 429, checked to be whole seconds within a minute.
int64_t retry_after(const api_reply& reply) {
  REQUIRE_MESSAGE(reply.status == 429, reply.body);
  CHECK(reply.error_code() == "rate_limited");
  auto header = reply.header("Retry-After");
  REQUIRE(!header.empty());
  auto seconds = std::stoll(header);
  CHECK(seconds >= 1);
  CHECK(seconds <= 60);
  return seconds;
}

api_reply sign_in(api_client& api, const std::string& email,
                  const std::string& password) {
  return api.post("/v1/sessions", {{"email", email}, {"password", password}});
}

} // namespace

TEST_CASE("sign-in attempts past the limit per email are 429 with "
          "Retry-After, even with the right password, and other emails go "
          "on") {
  running_store store{{"--limit-sign-in-per-email", "3"}};
  auto& api = store.api();
  api.account("target@limits.test", "buyer");
  api.account("bystander@limits.test", "buyer");
  // account() signed in once already: two more guesses fit.
  CHECK(sign_in(api, "target@limits.test", "wrong-1").status == 401);
  CHECK(sign_in(api, "target@limits.test", "wrong-2").status == 401);
  auto limited = sign_in(api, "target@limits.test", "password-buyer");
  auto wait = retry_after(limited);
  CHECK(wait <= 20); // one attempt comes back every 20 s at 3 a minute
  // The limit is the email's, however it is spelled.
  CHECK(sign_in(api, "TARGET@limits.test", "password-buyer").status == 429);
  CHECK(sign_in(api, "bystander@limits.test", "password-buyer").status == 200);
}

TEST_CASE("sign-in attempts past the limit per client address are 429 "
          "whatever the email") {
  running_store store{{"--limit-sign-in-per-address", "4"}};
  auto& api = store.api();
  for (int index = 0; index < 4; ++index)
    CHECK(sign_in(api, "nobody" + std::to_string(index) + "@limits.test",
                  "whatever-password")
              .status == 401);
  retry_after(sign_in(api, "another@limits.test", "whatever-password"));
}

TEST_CASE("checkouts past the limit per buyer are 429 and place no order, "
          "while another buyer checks out") {
  running_store store{{"--limit-checkout-per-buyer", "2"}};
  auto& api = store.api();
  auto seller = api.account("seller@limits.test", "seller").first;
  store.list_product(seller, "Lamp", "LAMP-1", 10);
  auto [ann, ann_id] = api.account("ann@limits.test", "buyer");
  auto [bob, bob_id] = api.account("bob@limits.test", "buyer");
  auto body = checkout_body();
  body["items"] = json::array{json::object{{"sku", "LAMP-1"}, {"quantity", 1}}};
  auto buy = [&](const std::string& token, const std::string& key) {
    return api.post("/v1/checkout", body, token, {{"Idempotency-Key", key}});
  };
  CHECK(buy(ann, "a1").status == 201);
  CHECK(buy(ann, "a2").status == 201);
  retry_after(buy(ann, "a3"));
  CHECK(api.get("/v1/orders/" + ann_id + "-a3", ann).status == 404);
  // A retry of a key already placed gets its first answer, limit or not.
  CHECK(buy(ann, "a1").status == 201);
  CHECK(api.get("/v1/skus/LAMP-1").json().at("available").as_int64() == 8);
  CHECK(buy(bob, "b1").status == 201);
}

TEST_CASE("polls of one flash sale ticket past the limit are 429, and "
          "another ticket's polls go on") {
  running_store store{{"--limit-ticket-polls", "3"}};
  auto& api = store.api();
  auto admin = store.admin();
  auto seller = api.account("seller2@limits.test", "seller").first;
  store.list_product(seller, "Lamp", "LAMP-2", 10);
  auto made = api.post(
      "/v1/flash-sales",
      {{"sku", "LAMP-2"},
       {"quantity", 2},
       {"price_cents", 500},
       {"starts_at", iso_time(now_timestamp() + std::chrono::minutes{5})},
       {"ends_at", iso_time(now_timestamp() + std::chrono::minutes{10})},
       {"per_user_limit", 1},
       {"admit_per_second", 1}},
      admin);
  REQUIRE_MESSAGE(made.status == 201, made.body);
  auto sale = "/v1/flash-sales/" + text(made.json(), "id") + "/tickets";
  auto ann = api.account("ann2@limits.test", "buyer").first;
  auto bob = api.account("bob2@limits.test", "buyer").first;
  auto ann_ticket = text(api.post(sale, json::object{}, ann).json(), "ticket");
  auto bob_ticket = text(api.post(sale, json::object{}, bob).json(), "ticket");
  // Another buyer's polls of Ann's ticket (403) spend nothing of hers.
  for (int index = 0; index < 5; ++index)
    CHECK(api.get(sale + "/" + ann_ticket, bob).status != 200);
  for (int index = 0; index < 3; ++index)
    CHECK(api.get(sale + "/" + ann_ticket, ann).status == 200);
  retry_after(api.get(sale + "/" + ann_ticket, ann));
  CHECK(api.get(sale + "/" + bob_ticket, bob).status == 200);
}
