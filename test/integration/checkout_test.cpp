// The checkout saga end to end in one real node: SKU, order and payment
// actors, the simulated PSP, the journal with fsync.
#include "actors/payment/psp.hpp"
#include "actors/recovery.hpp"
#include "app/audit.hpp"
#include "projections/ledger/ledger_balances.hpp"

#include <fstream>
#include <numeric>
#include <thread>

#include "../support/node_fixture.hpp"
#include "../support/wait.hpp"

using namespace tillroll;

namespace {

const tillroll::caller admin{"root", tillroll::role::admin};

void stock(test::node_fixture& fixture, const std::string& sku, int64_t units,
           int64_t price_cents = 1500) {
  REQUIRE(
      fixture.ask<sku_entity>(sku, register_sku{"product-" + sku, "seller-1",
                                                price_cents, "EUR", units}));
}

/// Every ledger transaction in the log balances; the total captured.
int64_t audit_ledger(event_log& log, const std::string& payment_stream) {
  int64_t captured = 0;
  REQUIRE(log.read_stream(
      payment_stream, 1, UINT64_MAX, [&](const recorded_event& record) {
        auto event = decode_event<payment_event>(record);
        REQUIRE(event);
        if (auto* tx = std::get_if<ledger_transaction_recorded>(&*event)) {
          int64_t sum = 0;
          for (auto& posting : tx->postings)
            sum += posting.amount_cents;
          CHECK(sum == 0);
        }
        if (std::holds_alternative<payment_captured>(*event))
          ++captured;
        return true;
      }));
  return captured;
}

} // namespace

TEST_CASE("200 concurrent checkouts for 50 units: exactly 50 orders are paid") {
  test::temp_directory directory;
  test::node_fixture fixture{directory.path()};
  stock(fixture, "HOT", 50);
  std::vector<checkout_request> requests;
  for (int buyer = 0; buyer < 200; ++buyer)
    requests.push_back(
        test::one_unit("buyer" + std::to_string(buyer), "k1", "HOT"));
  auto outcomes = fixture.checkout_all(std::move(requests));
  int paid = 0;
  int short_of_stock = 0;
  for (auto& outcome : outcomes) {
    REQUIRE(outcome);
    if (outcome->status == order_status::fulfillment_processing)
      ++paid;
    else if (outcome->status == order_status::cancelled &&
             outcome->cancel_reason == "out_of_stock")
      ++short_of_stock;
  }
  CHECK(paid == 50);
  CHECK(short_of_stock == 150);
  auto sku = fixture.ask<sku_entity>("HOT", get_sku{});
  REQUIRE(sku);
  CHECK(sku->sold == 50);
  CHECK(sku->reserved == 0);
  CHECK(sku->available == 0);
}

TEST_CASE(
    "the same checkout key sent many times at once: one order, one charge") {
  test::temp_directory directory;
  test::node_fixture fixture{directory.path()};
  stock(fixture, "MUG", 10);
  std::vector<checkout_request> requests(
      20, test::one_unit("alice", "same-key", "MUG"));
  auto outcomes = fixture.checkout_all(std::move(requests));
  for (auto& outcome : outcomes) {
    REQUIRE(outcome);
    CHECK(outcome->order_id == "alice-same-key");
    CHECK(outcome->status == order_status::fulfillment_processing);
  }
  CHECK(fixture.ask<sku_entity>("MUG", get_sku{})->sold == 1);
  CHECK(audit_ledger(fixture.running->log(), "payment-alice-same-key") == 1);
  // The same key with another cart is refused.
  auto other = fixture.checkout(
      checkout_request{"alice", "same-key", {{"MUG", 2}}, "tok_visa", "{}"});
  REQUIRE_FALSE(other);
  CHECK(other.error().code == errc::idempotency_conflict);
}

TEST_CASE("a declined payment cancels the order and gives the stock back") {
  test::temp_directory directory;
  test::node_fixture fixture{directory.path()};
  stock(fixture, "LAMP", 3);
  auto order =
      fixture.checkout(test::one_unit("bob", "k", "LAMP", "tok_declined"));
  REQUIRE(order);
  CHECK(order->status == order_status::cancelled);
  CHECK(order->cancel_reason == "payment_declined");
  auto sku = fixture.ask<sku_entity>("LAMP", get_sku{});
  CHECK(sku->available == 3);
  CHECK(sku->reserved == 0);
  CHECK(audit_ledger(fixture.running->log(), "payment-bob-k") == 0);
}

TEST_CASE(
    "a PSP that fails once, or answers late, still charges exactly once") {
  test::temp_directory directory;
  test::node_fixture fixture{directory.path()};
  stock(fixture, "BOOK", 5);
  auto flaky =
      fixture.checkout(test::one_unit("carol", "k", "BOOK", "tok_error"));
  REQUIRE(flaky);
  CHECK(flaky->status == order_status::fulfillment_processing);
  CHECK(audit_ledger(fixture.running->log(), "payment-carol-k") == 1);
  auto late =
      fixture.checkout(test::one_unit("dave", "k", "BOOK", "tok_timeout"));
  REQUIRE(late);
  CHECK(late->status == order_status::fulfillment_processing);
  CHECK(audit_ledger(fixture.running->log(), "payment-dave-k") == 1);
  CHECK(fixture.ask<sku_entity>("BOOK", get_sku{})->sold == 2);
}

TEST_CASE("an unknown sku or a bad checkout is refused and changes nothing") {
  test::temp_directory directory;
  test::node_fixture fixture{directory.path()};
  auto unknown = fixture.checkout(test::one_unit("erin", "k", "NOPE"));
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == errc::not_found);
  stock(fixture, "PEN", 1);
  auto bad_key = fixture.checkout(test::one_unit("erin", "bad key!", "PEN"));
  CHECK(bad_key.error().code == errc::invalid_argument);
  auto card_number =
      fixture.checkout(test::one_unit("erin", "k2", "PEN", "4242424242424242"));
  CHECK(card_number.error().code == errc::invalid_argument);
  CHECK(fixture.ask<sku_entity>("PEN", get_sku{})->available == 1);
}

TEST_CASE("cancelling a paid order returns its stock and refunds it") {
  test::temp_directory directory;
  test::node_fixture fixture{directory.path()};
  stock(fixture, "HAT", 2, 2000);
  auto order = fixture.checkout(test::one_unit("fred", "k", "HAT"));
  REQUIRE(order);
  REQUIRE(order->status == order_status::fulfillment_processing);
  auto cancelled =
      fixture.ask<order_entity>(order->order_id, cancel_order{caller{"fred"}});
  REQUIRE(cancelled);
  CHECK(cancelled->status == order_status::cancelled);
  // The refund and the stock return are saga steps: wait for them (await
  // answers once the order has settled).
  caf::scoped_actor self{fixture.running->system()};
  for (int tries = 0; tries < 100; ++tries) {
    auto view = fixture.ask<order_entity>(order->order_id, get_order{admin});
    if (view->refunded_cents == 2000 &&
        fixture.ask<sku_entity>("HAT", get_sku{})->sold == 0)
      break;
    self->receive(caf::after(std::chrono::milliseconds{20}) >> [] {});
  }
  CHECK(fixture.ask<order_entity>(order->order_id, get_order{admin})
            ->refunded_cents == 2000);
  auto sku = fixture.ask<sku_entity>("HAT", get_sku{});
  CHECK(sku->sold == 0);
  CHECK(sku->available == 2);
  auto payment = fixture.ask<payment_entity>("fred-k", get_payment{});
  REQUIRE(payment);
  CHECK(payment->refunded_cents == 2000);
  CHECK(audit_ledger(fixture.running->log(), "payment-fred-k") == 1);
}

namespace {

/// Bounded wait until every projection has caught up with the log.
void wait_for_projections(node& shop) {
  for (int tries = 0; tries < 400 && !shop.ready(); ++tries)
    shop.journal().wait_for_commit(UINT64_MAX, std::chrono::milliseconds{5});
  REQUIRE(shop.ready());
}

} // namespace

TEST_CASE("the ledger balances per account and reconciles with the PSP") {
  test::temp_directory directory;
  test::node_fixture fixture{directory.path()};
  stock(fixture, "CUP", 10, 1000);
  REQUIRE(fixture.checkout(test::one_unit("gina", "a", "CUP"))->status ==
          order_status::fulfillment_processing);
  REQUIRE(fixture.checkout(test::one_unit("hank", "b", "CUP"))->status ==
          order_status::fulfillment_processing);
  REQUIRE(fixture.ask<order_entity>("hank-b", refund_order{400, "", admin}));
  for (int tries = 0; tries < 200; ++tries) {
    if (fixture.ask<order_entity>("hank-b", get_order{admin})->refunded_cents ==
        400)
      break;
    fixture.running->journal().wait_for_commit(UINT64_MAX,
                                               std::chrono::milliseconds{5});
  }
  wait_for_projections(*fixture.running);
  auto balances = fixture.running->ledger().balances();
  CHECK(balances["asset:psp_clearing EUR"] == 1600);
  CHECK(balances["revenue:sales EUR"] == -2000);
  CHECK(balances["revenue:refunds EUR"] == 400);
  int64_t sum = 0;
  for (auto& [account, balance] : balances)
    sum += balance;
  CHECK(sum == 0);
  auto clean = fixture.running->reconcile();
  REQUIRE(clean);
  CHECK(clean->empty());

  // A charge the ledger never heard of shows up as a difference.
  simulated_psp books{fixture.running->log()};
  books.charge(psp_charge{"stray", 700, "EUR", "tok_visa"});
  auto differences = fixture.running->reconcile();
  REQUIRE(differences);
  REQUIRE(differences->size() == 1);
  CHECK((*differences)[0].payment_id == "stray");
  CHECK((*differences)[0].kind == "missing_in_ledger");
}

TEST_CASE("the PSP reads the books an earlier release wrote as text, and "
          "refunds against them") {
  test::temp_directory directory;
  test::node_fixture fixture{directory.path()};
  auto& log = fixture.running->log();
  // As the text books were written: status, currency, captured, refunded,
  // attempts, refund count and ids, refuses refunds, reference, captures.
  REQUIRE(log.put(column_family::metadata, "psp/old-1",
                  "captured USD 30098 0 1 0 0 order-old 1", false));
  // Older still: without refusals, reference and capture count.
  REQUIRE(log.put(column_family::metadata, "psp/older-1",
                  "captured EUR 500 100 2 1 refund-a", false));
  simulated_psp books{log};
  auto status = books.status("old-1");
  CHECK(status.status == payment_outcome::captured);
  CHECK(status.reference == "sim_old-1");
  auto refund = books.refund("old-1", "refund-1", 100);
  CHECK(refund.status == payment_outcome::captured);
  std::map<std::string, settlement_line> report;
  for (auto& line : books.settlement_report())
    report[line.key] = line;
  REQUIRE(report.contains("old-1"));
  CHECK(report["old-1"].captured_cents == 30098);
  CHECK(report["old-1"].refunded_cents == 100);
  CHECK(report["old-1"].reference == "order-old");
  CHECK(report["old-1"].captures == 1);
  REQUIRE(report.contains("older-1"));
  CHECK(report["older-1"].refunded_cents == 100);
  CHECK(report["older-1"].attempts == 2);
  CHECK(report["older-1"].captures == 1);
}

TEST_CASE("every status change of an order is notified to the buyer") {
  test::temp_directory directory;
  test::node_fixture fixture{directory.path()};
  stock(fixture, "BAG", 1);
  REQUIRE(fixture.checkout(test::one_unit("ivy", "k", "BAG")));
  wait_for_projections(*fixture.running);
  std::ifstream file{directory.path() / "notifications.jsonl"};
  std::vector<std::string> statuses;
  std::string line;
  while (std::getline(file, line))
    if (line.find("\"ivy-k\"") != std::string::npos)
      statuses.push_back(
          line.substr(line.find("\"status\":\"") + 10,
                      line.find('"', line.find("\"status\":\"") + 10) -
                          line.find("\"status\":\"") - 10));
  CHECK(statuses == std::vector<std::string>{"created", "payment_pending",
                                             "payment_confirmed",
                                             "fulfillment_processing"});
}

TEST_CASE("a cart shows today's prices and checks out, then is cleared") {
  test::temp_directory directory;
  test::node_fixture fixture{directory.path()};
  stock(fixture, "TEE", 5, 1200);
  caf::scoped_actor self{fixture.running->system()};
  auto edit = [&](cart_item_request request) {
    std::optional<expected<priced_cart>> result;
    self->request(fixture.running->checkout(), std::chrono::seconds{30},
                  request)
        .receive(
            [&](priced_cart& cart) { result.emplace(cart); },
            [&](caf::error& error) { result.emplace(from_caf_error(error)); });
    return std::move(*result);
  };
  CHECK(edit({"jo", "NOPE", 1}).error().code == errc::not_found);
  auto cart = edit({"jo", "TEE", 2});
  REQUIRE(cart);
  CHECK(cart->subtotal_cents == 2400);
  CHECK(cart->currency == "EUR");
  REQUIRE(fixture.ask<sku_entity>(
      "TEE", set_price{1000, "EUR", "product-TEE", "seller-1"}));
  cart = edit({"jo", "TEE", 3});
  CHECK(cart->subtotal_cents == 3000);
  CHECK(fixture.ask<sku_entity>("TEE", get_sku{})->reserved == 0);

  auto order = fixture.checkout(
      checkout_request{"jo", "from-cart", {}, "tok_visa", "{}"});
  REQUIRE(order);
  CHECK(order->status == order_status::fulfillment_processing);
  CHECK(order->total_cents == 3000);
  CHECK(fixture.ask<cart_entity>("jo", get_cart{})->lines.empty());
  CHECK(fixture.ask<sku_entity>("TEE", get_sku{})->sold == 3);
  auto empty =
      fixture.checkout(checkout_request{"jo", "again", {}, "tok_visa", "{}"});
  CHECK(empty.error().code == errc::invalid_argument);
}

TEST_CASE("a hold that ends while the charge is out cancels the order: the "
          "confirmed line comes back, the ended one is released, the money "
          "is refunded") {
  test::temp_directory directory;
  test::node_fixture fixture{directory.path(), [](node_options& options) {
                               options.psp_latency = std::chrono::seconds{1};
                             }};
  stock(fixture, "CUP", 4);
  stock(fixture, "PLATE", 4);
  checkout_request request{
      "lou", "partial", {{"CUP", 1}, {"PLATE", 1}}, "tok_visa", "{}"};
  std::optional<expected<order_view>> outcome;
  std::thread buyer{[&] { outcome.emplace(fixture.checkout(request)); }};
  // Once the charge is under way, PLATE's hold ends (as a TTL would) while
  // CUP's stays: CUP will be confirmed, PLATE cannot be.
  // The charge goes out as the payment starts, and the PSP takes 1 s.
  auto order_id = order_id_for("lou", "partial");
  REQUIRE(test::wait_until(
      [&] {
        auto order = fixture.ask<order_entity>(order_id, get_order{admin});
        return order && order->status == order_status::payment_pending;
      },
      std::chrono::seconds{10}));
  REQUIRE(fixture.ask<sku_entity>("PLATE", release_reservation{order_id}));
  buyer.join();
  REQUIRE(outcome);
  REQUIRE(*outcome);
  CHECK((*outcome)->status == order_status::cancelled);
  CHECK((*outcome)->cancel_reason == "reservation_expired");
  REQUIRE(test::wait_until([&] {
    auto order = fixture.ask<order_entity>(order_id, get_order{admin});
    return order && order->refunded_cents == order->total_cents;
  }));
  for (auto sku : {"CUP", "PLATE"}) {
    auto levels = fixture.ask<sku_entity>(sku, get_sku{});
    CHECK_MESSAGE(levels->sold == 0, sku);
    CHECK_MESSAGE(levels->reserved == 0, sku);
    CHECK_MESSAGE(levels->available == 4, sku);
  }
  auto report = audit(fixture.running->log());
  REQUIRE(report);
  CHECK_MESSAGE(report->ok(), report->to_json());
}

TEST_CASE("a requester that gave up waiting on an order is dropped, and the "
          "order passivates") {
  test::temp_directory directory;
  test::node_fixture fixture{directory.path(), [](node_options& options) {
                               options.entities.idle_timeout =
                                   std::chrono::milliseconds{200};
                               options.entities.watcher_wait =
                                   std::chrono::milliseconds{300};
                             }};
  stock(fixture, "SPOON", 1);
  {
    caf::scoped_actor self{fixture.running->system()};
    for (int index = 0; index < 3; ++index) {
      bool gave_up = false;
      // An order nobody placed never settles: its watchers wait in vain.
      self->request(fixture.running->registry(), std::chrono::milliseconds{50},
                    route_atom::value, std::string{order_entity::kind},
                    std::string{"nobody-k"},
                    caf::make_message(await_atom::value))
          .receive([](order_view&) {}, [&](caf::error&) { gave_up = true; });
      CHECK(gave_up);
    }
  }
  auto live = [&] {
    caf::scoped_actor self{fixture.running->system()};
    uint64_t count = 0;
    self->request(fixture.running->registry(), std::chrono::seconds{5},
                  live_atom::value)
        .receive([&](uint64_t live) { count = live; }, [](caf::error&) {});
    return count;
  };
  CHECK(test::wait_until([&] { return live() == 0; }, std::chrono::seconds{5}));
}
