#include "actors/order/order_state.hpp"
#include "actors/payment/payment_state.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace tillroll;
using namespace std::chrono_literals;
using outcome = payment_outcome;

namespace {

const timestamp now{std::chrono::seconds{1'790'000'000}};
const caller admin{"root", role::admin};
const caller buyer{"buyer", role::buyer};
const caller seller{"s", role::seller};

template <class State, class Command>
State run(State state, const Command& command, timestamp at = now) {
  auto decided = decide(state, command, at);
  REQUIRE(decided);
  for (auto& event : *decided)
    apply_event(state, event);
  return state;
}

order_state placed() {
  return run(order_state{},
             order_command{place_order{"buyer",
                                       "key",
                                       {{"SKU", "p", "s", 2, 500}},
                                       "EUR",
                                       "tok_visa",
                                       "{}"}});
}

order_state paid() {
  auto order = run(placed(), order_command{record_reservation{}});
  order = run(order, order_command{record_payment_started{}});
  return run(order,
             order_command{record_payment_outcome{outcome::captured, "ref"}});
}

} // namespace

TEST_CASE("the saga's steps follow the order's state") {
  auto order = placed();
  CHECK(order.placed.total_cents == 1000);
  CHECK(order.phase == order_phase::reserving);
  CHECK(std::holds_alternative<reserve_lines>(*next_step(order, now)));
  // Every line held: the payment starts in the same append.
  auto reserved = decide(order, order_command{record_reservation{}}, now);
  REQUIRE(reserved);
  CHECK(std::holds_alternative<order_payment_started>(reserved->back()));
  order = run(order, order_command{record_reservation{}});
  CHECK(order.status == order_status::payment_pending);
  CHECK(order.payment_id == payment_id_of(order));
  CHECK(std::holds_alternative<charge_payment>(*next_step(order, now)));
  CHECK(decide(order, order_command{record_payment_started{}}, now)->empty());
  order =
      run(order, order_command{record_payment_outcome{outcome::pending, ""}});
  CHECK_FALSE(next_step(order, now));
  CHECK(order_entity::on_deadline(order, now + payment_check_interval));
  order =
      run(order, order_command{check_payment{}}, now + payment_check_interval);
  CHECK(std::holds_alternative<charge_payment>(*next_step(order, now)));
  order =
      run(order, order_command{record_payment_outcome{outcome::captured, "r"}});
  CHECK(std::holds_alternative<confirm_lines>(*next_step(order, now)));
  order = run(order, order_command{record_stock_confirmed{}});
  CHECK(std::holds_alternative<start_fulfillment>(*next_step(order, now)));
  order = run(order, order_command{begin_fulfillment{}});
  CHECK(order.status == order_status::fulfillment_processing);
  CHECK(checkout_settled(order));
  order = run(order, order_command{ship_order{seller}});
  order = run(order, order_command{deliver_order{seller}});
  CHECK(order.status == order_status::delivered);
  CHECK(order.history.size() == 6);
}

TEST_CASE("an order of given items, not from a cart, starts its fulfillment "
          "in the append that records its sale") {
  auto order =
      run(order_state{}, order_command{place_order{"buyer",
                                                   "key",
                                                   {{"SKU", "p", "s", 2, 500}},
                                                   "EUR",
                                                   "tok_visa",
                                                   "{}",
                                                   false}});
  order = run(order, order_command{record_reservation{}});
  order =
      run(order, order_command{record_payment_outcome{outcome::captured, "r"}});
  order = run(order, order_command{record_stock_confirmed{}});
  CHECK(order.status == order_status::fulfillment_processing);
  CHECK_FALSE(next_step(order, now));
  CHECK(checkout_settled(order));
  CHECK(decide(order, order_command{begin_fulfillment{}}, now)->empty());
}

TEST_CASE("a log written when the payment started in its own append still "
          "goes on") {
  // Events as an older binary appended them: reserved, then started.
  auto order = placed();
  apply_event(order, order_event{order_stock_reserved{}});
  CHECK(std::holds_alternative<start_payment>(*next_step(order, now)));
  order = run(order, order_command{record_payment_started{}});
  CHECK(std::holds_alternative<charge_payment>(*next_step(order, now)));
}

TEST_CASE("a charge within half the holds' TTL of placement does not extend "
          "them; a later one, or one of a log that never said the TTL, does") {
  auto order = run(placed(), order_command{record_reservation{{}, "", 10min}});
  auto charge_at = [&](timestamp at) {
    auto step = next_step(order, at);
    REQUIRE(step);
    REQUIRE(std::holds_alternative<charge_payment>(*step));
    return std::get<charge_payment>(*step);
  };
  CHECK(order.hold_ttl_us == std::chrono::microseconds{10min}.count());
  CHECK_FALSE(charge_at(now).extend_holds);
  CHECK_FALSE(charge_at(now + 5min - 1us).extend_holds);
  CHECK(charge_at(now + 5min).extend_holds);
  // A clock that went back says nothing of how long ago the holds began.
  CHECK(charge_at(now - 1s).extend_holds);
  // A log of version 1: its holds' TTL is unknown.
  auto old = placed();
  apply_event(old, order_event{order_stock_reserved{}});
  apply_event(old, order_event{order_payment_started{payment_id_of(old)}});
  auto step = next_step(old, now);
  REQUIRE(step);
  CHECK(std::get<charge_payment>(*step).extend_holds);
}

TEST_CASE("a capture with live holds is taken into the sale: the payment and "
          "the sale in one decision, or a refund when a hold had ended") {
  auto charging = run(placed(), order_command{record_reservation{}});
  CHECK(captured_into_sale(charging, outcome::captured, true));
  CHECK_FALSE(captured_into_sale(charging, outcome::captured, false));
  CHECK_FALSE(captured_into_sale(charging, outcome::pending, true));
  CHECK_FALSE(captured_into_sale(charging, outcome::declined, true));
  auto sale = decide(charging, order_command{record_sale{"ref", {}}}, now);
  REQUIRE(sale);
  CHECK(std::holds_alternative<order_payment_captured>(sale->front()));
  CHECK(std::any_of(sale->begin(), sale->end(), [](auto& event) {
    return std::holds_alternative<order_stock_confirmed>(event);
  }));
  auto sold = run(charging, order_command{record_sale{"ref", {}}});
  CHECK(sold.phase == order_phase::sold);
  CHECK(sold.psp_reference == "ref");
  CHECK(line_sold(sold, "SKU"));
  CHECK_FALSE(captured_into_sale(sold, outcome::captured, true));
  // Again: nothing more.
  CHECK(decide(sold, order_command{record_sale{"ref", {}}}, now)->empty());
  // A hold that had ended: paid, cancelled, the whole charge refunded.
  auto lost = run(charging, order_command{record_sale{"ref", {"SKU"}}});
  CHECK(lost.status == order_status::cancelled);
  CHECK(lost.cancel_reason == "reservation_expired");
  REQUIRE(lost.refunds_pending.size() == 1);
  CHECK(lost.refunds_pending.front().amount_cents == 1000);
  CHECK_FALSE(line_sold(lost, "SKU"));
}

TEST_CASE("a retried checkout whose address an older binary stored with "
          "its numbers as 5.252E1 is the same order") {
  place_order command{
      "buyer", "key",      {{"SKU", "p", "s", 2, 500}},
      "EUR",   "tok_visa", R"({"name":"Ann","lat":5.252E1,"floor":2E0})"};
  auto order = run(order_state{}, order_command{command});
  command.shipping_address = R"({"name":"Ann","lat":52.52,"floor":2.0})";
  CHECK(decide(order, order_command{command}, now)->empty());
  command.shipping_address = R"({"name":"Ann","lat":52.53,"floor":2.0})";
  CHECK(decide(order, order_command{command}, now).error().code ==
        errc::idempotency_conflict);
}

TEST_CASE("wrong transitions are refused") {
  auto order = placed();
  CHECK(decide(order, order_command{ship_order{admin}}, now).error().code ==
        errc::wrong_state);
  CHECK(decide(order, order_command{deliver_order{admin}}, now).error().code ==
        errc::wrong_state);
  CHECK(decide(order, order_command{refund_order{{}, "", admin}}, now)
            .error()
            .code == errc::wrong_state);
  auto delivered = paid();
  delivered = run(delivered, order_command{record_stock_confirmed{}});
  delivered = run(delivered, order_command{begin_fulfillment{}});
  delivered = run(delivered, order_command{ship_order{admin}});
  CHECK(
      decide(delivered, order_command{cancel_order{buyer}}, now).error().code ==
      errc::wrong_state);
  CHECK(decide(order_state{}, order_command{get_order{admin}}, now)
            .error()
            .code == errc::not_found);
}

TEST_CASE("a short line cancels the order and releases what was held") {
  auto order = run(placed(), order_command{record_reservation{{"SKU"}}});
  CHECK(order.status == order_status::cancelled);
  CHECK(order.cancel_reason == "out_of_stock");
  CHECK(std::holds_alternative<restore_lines>(*next_step(order, now)));
  order = run(order, order_command{record_stock_restored{}});
  CHECK_FALSE(next_step(order, now));
}

namespace {

order_state fulfilled() {
  auto order = run(paid(), order_command{record_stock_confirmed{}});
  return run(order, order_command{begin_fulfillment{}});
}

} // namespace

TEST_CASE("refunds are bounded by what was charged") {
  auto order = fulfilled();
  CHECK(decide(order, order_command{refund_order{1001, "", admin}}, now)
            .error()
            .code == errc::invalid_argument);
  order = run(order, order_command{refund_order{400, "", admin}});
  CHECK(decide(order, order_command{refund_order{700, "", admin}}, now)
            .error()
            .code == errc::invalid_argument);
  CHECK(std::holds_alternative<refund_payment>(*next_step(order, now)));
  order = run(order, order_command{record_refund_done{"refund-1"}});
  CHECK(order.refunded_cents == 400);
  order = run(order, order_command{refund_order{{}, "", admin}});
  order = run(order, order_command{record_refund_done{"refund-2"}});
  CHECK(order.status == order_status::refunded);
}

// Found by the simulator (seed 3 of test/simulation/ before the fix): an
// admin's full refund landed between the stock's confirmation and the
// start of fulfilment; the order stopped as `refunded` with its units sold.
TEST_CASE("a full refund before fulfilment cancels the order and gives its "
          "stock back") {
  for (bool confirmed : {false, true}) {
    CAPTURE(confirmed);
    auto order = paid();
    if (confirmed)
      order = run(order, order_command{record_stock_confirmed{}});
    order = run(order, order_command{refund_order{{}, "", admin}});
    CHECK(std::holds_alternative<refund_payment>(*next_step(order, now)));
    order = run(order, order_command{record_refund_done{"refund-1"}});
    CHECK(order.status == order_status::cancelled);
    CHECK(order.cancel_reason == "refunded");
    CHECK(order.refunded_cents == 1000);
    CHECK(order.refunds_pending.empty());
    auto step = next_step(order, now);
    REQUIRE(step);
    CHECK(std::holds_alternative<restore_lines>(*step));
    CHECK(line_sold(order, "SKU") == confirmed);
    order = run(order, order_command{record_stock_restored{}});
    CHECK(order.phase == order_phase::closed);
    CHECK(order.sold_skus.empty());
    CHECK_FALSE(next_step(order, now));
    CHECK(checkout_settled(order));
  }
}

TEST_CASE("a part refund before fulfilment leaves the order going") {
  auto order = run(paid(), order_command{refund_order{400, "", admin}});
  order = run(order, order_command{record_refund_done{"refund-1"}});
  CHECK(order.status == order_status::payment_confirmed);
  CHECK(std::holds_alternative<confirm_lines>(*next_step(order, now)));
}

TEST_CASE("a payment in progress cannot be cancelled: a captured one refunds") {
  auto order = run(placed(), order_command{record_reservation{}});
  order = run(order, order_command{record_payment_started{}});
  CHECK(decide(order, order_command{cancel_order{buyer}}, now).error().code ==
        errc::conflict);
  auto charged = paid();
  charged = run(charged, order_command{cancel_order{buyer}});
  CHECK(charged.status == order_status::cancelled);
  CHECK(charged.refunds_pending.size() == 1);
  CHECK(charged.refunds_pending[0].amount_cents == 1000);
}

TEST_CASE("the same payment key with other parameters is refused") {
  auto payment =
      run(payment_state{},
          payment_command{request_payment{"o", 1000, "EUR", "tok_visa"}});
  CHECK(decide(payment,
               payment_command{request_payment{"o", 1000, "EUR", "tok_visa"}},
               now)
            ->empty());
  CHECK(decide(payment,
               payment_command{request_payment{"o", 999, "EUR", "tok_visa"}},
               now)
            .error()
            .code == errc::idempotency_conflict);
  CHECK(decide(payment_state{},
               payment_command{
                   request_payment{"o", 1000, "EUR", "4242424242424242"}},
               now)
            .error()
            .code == errc::invalid_argument);
}

TEST_CASE("a charge is recorded with its outcome in one decision; again, it "
          "changes nothing; with other parameters it is refused") {
  request_payment asked{"o", 1000, "EUR", "tok_visa"};
  auto charged = decide(
      payment_state{},
      payment_command{record_charge{
          asked, record_psp_outcome{payment_outcome::captured, "ref", ""}}},
      now);
  REQUIRE(charged);
  REQUIRE(charged->size() == 3);
  CHECK(std::holds_alternative<payment_requested>((*charged)[0]));
  CHECK(std::holds_alternative<payment_captured>((*charged)[1]));
  CHECK(std::holds_alternative<ledger_transaction_recorded>((*charged)[2]));
  payment_state payment;
  for (auto& event : *charged)
    apply_event(payment, event);
  CHECK(payment.status == payment_status::captured);
  CHECK(payment.amount_cents == 1000);
  CHECK(decide(payment,
               payment_command{record_charge{
                   asked,
                   record_psp_outcome{payment_outcome::captured, "ref", ""}}},
               now)
            ->empty());
  auto other = asked;
  other.amount_cents = 1;
  CHECK(decide(payment,
               payment_command{record_charge{
                   other,
                   record_psp_outcome{payment_outcome::captured, "ref", ""}}},
               now)
            .error()
            .code == errc::idempotency_conflict);
  // A charge the PSP has no answer for leaves the payment pending.
  auto open = run(payment_state{},
                  payment_command{record_charge{asked, record_psp_outcome{}}});
  CHECK(open.status == payment_status::pending);
}

TEST_CASE("a capture and a refund each post a balanced ledger transaction") {
  auto payment =
      run(payment_state{},
          payment_command{request_payment{"o", 1000, "EUR", "tok_visa"}});
  auto captured = decide(
      payment,
      payment_command{record_psp_outcome{payment_outcome::captured, "ref", ""}},
      now);
  REQUIRE(captured);
  REQUIRE(captured->size() == 2);
  auto& capture = std::get<ledger_transaction_recorded>((*captured)[1]);
  CHECK(capture.postings[0].amount_cents + capture.postings[1].amount_cents ==
        0);
  for (auto& event : *captured)
    apply_event(payment, event);
  CHECK(decide(payment, payment_command{record_refund{"r1", 1001, ""}}, now)
            .error()
            .code == errc::invalid_argument);
  payment = run(payment, payment_command{record_refund{"r1", 600, "x"}});
  CHECK(decide(payment, payment_command{record_refund{"r1", 600, "x"}}, now)
            ->empty());
  CHECK(payment.refunded_cents == 600);
  CHECK(payment.ledger_transactions == 2);
  CHECK(decide(payment,
               payment_command{
                   record_psp_outcome{payment_outcome::declined, "", "late"}},
               now)
            .error()
            .code == errc::wrong_state);
}

namespace {

/// An order of buyer "buyer" with one line of seller "s" and one of "t",
/// its fulfilment begun.
order_state two_sellers() {
  auto order =
      run(order_state{}, order_command{place_order{"buyer",
                                                   "key",
                                                   {{"SKU", "p", "s", 2, 500},
                                                    {"MUG", "q", "t", 1, 300}},
                                                   "EUR",
                                                   "tok_visa",
                                                   "{}"}});
  order = run(order, order_command{record_reservation{}});
  order = run(order, order_command{record_payment_started{}});
  order = run(order,
              order_command{record_payment_outcome{outcome::captured, "ref"}});
  order = run(order, order_command{record_stock_confirmed{}});
  return run(order, order_command{begin_fulfillment{}});
}

errc refusal(const order_state& order, const order_command& command) {
  auto decided = decide(order, command, now);
  return decided ? errc{} : decided.error().code;
}

} // namespace

TEST_CASE("another buyer may neither read nor cancel an order") {
  auto order = two_sellers();
  caller other{"mallory", role::buyer};
  CHECK(refusal(order, get_order{other}) == errc::forbidden);
  CHECK(decide(order, get_order{other}, now).error().message ==
        "not your order");
  CHECK(refusal(order, cancel_order{other}) == errc::forbidden);
  CHECK(refusal(order, ship_order{other}) == errc::forbidden);
  CHECK(refusal(order, refund_order{{}, "", other}) == errc::forbidden);
  CHECK(decide(order, get_order{buyer}, now));
  CHECK(decide(order, cancel_order{buyer}, now));
  // The buyer reads and cancels; fulfilment and refunds are not theirs.
  CHECK(refusal(order, ship_order{buyer}) == errc::forbidden);
  CHECK(refusal(order, deliver_order{buyer}) == errc::forbidden);
  CHECK(refusal(order, refund_order{{}, "", buyer}) == errc::forbidden);
  CHECK(refusal(order, unpark_refunds{buyer}) == errc::forbidden);
}

TEST_CASE("a seller not in the order may not act on it") {
  auto order = two_sellers();
  caller stranger{"u", role::seller};
  CHECK(refusal(order, get_order{stranger}) == errc::forbidden);
  CHECK(refusal(order, ship_order{stranger}) == errc::forbidden);
  CHECK(refusal(order, deliver_order{stranger}) == errc::forbidden);
  CHECK(refusal(order, cancel_order{stranger}) == errc::forbidden);
  // A seller named like the buyer is still not the buyer who may cancel.
  CHECK(refusal(order, cancel_order{caller{"buyer", role::seller}}) ==
        errc::forbidden);
}

TEST_CASE("a seller in the order ships and delivers their own lines only") {
  auto order = two_sellers();
  // Selling in the order does not make it theirs to read or cancel.
  CHECK(refusal(order, get_order{seller}) == errc::forbidden);
  CHECK(refusal(order, cancel_order{seller}) == errc::forbidden);
  CHECK(refusal(order, refund_order{{}, "", seller}) == errc::forbidden);
  order = run(order, order_command{ship_order{seller}});
  CHECK(order.line_status.at("SKU") == order_status::shipped);
  CHECK(order.line_status.at("MUG") == order_status::fulfillment_processing);
  CHECK(order.status == order_status::fulfillment_processing);
  CHECK(refusal(order, ship_order{seller}) == errc::wrong_state);
  order = run(order, order_command{deliver_order{seller}});
  CHECK(order.line_status.at("SKU") == order_status::delivered);
  CHECK(order.line_status.at("MUG") == order_status::fulfillment_processing);
  caller other_seller{"t", role::seller};
  order = run(order, order_command{ship_order{other_seller}});
  CHECK(order.status == order_status::shipped);
}

TEST_CASE("the admin may do anything with any order") {
  auto order = two_sellers();
  CHECK(decide(order, get_order{admin}, now));
  CHECK(decide(order, cancel_order{admin}, now));
  CHECK(decide(order, refund_order{{}, "", admin}, now));
  CHECK(refusal(order, unpark_refunds{admin}) == errc::wrong_state);
  // The admin's fulfilment moves every line.
  order = run(order, order_command{ship_order{admin}});
  CHECK(order.status == order_status::shipped);
  order = run(order, order_command{deliver_order{admin}});
  CHECK(order.status == order_status::delivered);
}

TEST_CASE("one outcome type goes from the PSP through the payment to the "
          "order") {
  CHECK(charge_after_status(payment_outcome::unknown, true));
  CHECK(charge_after_status(payment_outcome::failed, true));
  CHECK_FALSE(charge_after_status(payment_outcome::captured, true));
  CHECK_FALSE(charge_after_status(payment_outcome::unknown, false));
  auto answered = payment_answered(payment_outcome::captured, "ref", true,
                                   payment_check_interval);
  auto& recorded = std::get<record_payment_outcome>(answered);
  CHECK(recorded.result == payment_outcome::captured);
  // With its holds ended, a charge that never was cancels the order.
  CHECK(std::holds_alternative<record_hold_lost>(payment_answered(
      payment_outcome::unknown, "", false, payment_check_interval)));
  CHECK(std::holds_alternative<record_payment_outcome>(payment_answered(
      payment_outcome::pending, "", false, payment_check_interval)));
}
