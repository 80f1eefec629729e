#include "actors/payment/payment_state.hpp"

#include "actors/decide_in_turn.hpp"

#include <cassert>
#include <numeric>

namespace tillroll {

namespace {

using events = std::vector<payment_event>;

ledger_transaction_recorded transaction(std::string id, std::string currency,
                                        std::string_view debit,
                                        std::string_view credit,
                                        int64_t amount_cents) {
  return ledger_transaction_recorded{
      std::move(id),
      std::move(currency),
      {ledger_posting{std::string{debit}, amount_cents},
       ledger_posting{std::string{credit}, -amount_cents}}};
}

struct decider {
  const payment_state& state;
  timestamp now;

  expected<events> operator()(const request_payment& command) const {
    if (command.order_id.empty())
      return make_failure(errc::invalid_argument, "order_id is required");
    if (command.amount_cents <= 0)
      return make_failure(errc::invalid_argument,
                          "amount_cents must be positive");
    if (command.currency.size() != 3)
      return make_failure(errc::invalid_argument,
                          "currency must be an ISO 4217 code");
    // Only PSP tokens: a card number must never reach tillroll.
    if (command.payment_token.rfind("tok_", 0) != 0 ||
        command.payment_token.size() > payment_token_size_max)
      return make_failure(errc::invalid_argument,
                          "payment_token must be a PSP token (tok_...)");
    auto fingerprint = payment_fingerprint(command);
    if (state.status != payment_status::none) {
      if (state.fingerprint == fingerprint)
        return events{};
      return make_failure(errc::idempotency_conflict,
                          "the idempotency key was used with other "
                          "parameters");
    }
    return events{payment_requested{command.order_id, command.amount_cents,
                                    command.currency, command.payment_token,
                                    std::move(fingerprint),
                                    now.time_since_epoch().count()}};
  }

  expected<events> operator()(const record_psp_outcome& command) const {
    using outcome = payment_outcome;
    if (state.status == payment_status::none)
      return make_failure(errc::not_found, "no such payment");
    if (state.status != payment_status::pending) {
      // A repeated outcome for a settled payment changes nothing; a
      // contradicting one is a bug or a PSP problem worth refusing.
      bool same = (state.status == payment_status::captured &&
                   command.result == outcome::captured) ||
                  (state.status == payment_status::declined &&
                   command.result == outcome::declined);
      if (same || command.result == outcome::pending)
        return events{};
      return make_failure(errc::wrong_state,
                          "the payment is settled as " +
                              std::string{to_string(state.status)});
    }
    switch (command.result) {
    case outcome::captured:
      return events{payment_captured{command.psp_reference},
                    transaction("capture", state.currency,
                                ledger_accounts::psp_clearing,
                                ledger_accounts::sales, state.amount_cents)};
    case outcome::declined:
      return events{payment_declined{command.reason}};
    case outcome::failed:
    case outcome::unknown:
      return events{payment_attempt_failed{command.reason}};
    case outcome::pending:
      return events{};
    }
    return events{};
  }

  expected<events> operator()(const record_charge& command) const {
    return decide_in_turn<decider>(state, now, command.request,
                                   command.outcome);
  }

  expected<events> operator()(const record_refund& command) const {
    if (state.status != payment_status::captured)
      return make_failure(errc::wrong_state, "only a captured payment can "
                                             "be refunded");
    if (command.refund_id.empty())
      return make_failure(errc::invalid_argument, "refund_id is required");
    if (state.refund_ids.contains(command.refund_id))
      return events{};
    if (command.amount_cents <= 0 ||
        command.amount_cents > state.amount_cents - state.refunded_cents)
      return make_failure(
          errc::invalid_argument,
          "a refund is positive and at most " +
              std::to_string(state.amount_cents - state.refunded_cents));
    return events{refund_recorded{command.refund_id, command.amount_cents,
                                  command.psp_reference},
                  transaction("refund-" + command.refund_id, state.currency,
                              ledger_accounts::refunds,
                              ledger_accounts::psp_clearing,
                              command.amount_cents)};
  }

  expected<events> operator()(const get_payment&) const {
    if (state.status == payment_status::none)
      return make_failure(errc::not_found, "no such payment");
    return events{};
  }
};

struct applier {
  payment_state& state;

  void operator()(const payment_requested& event) {
    state.status = payment_status::pending;
    state.order_id = event.order_id;
    state.amount_cents = event.amount_cents;
    state.currency = event.currency;
    state.payment_token = event.payment_token;
    state.fingerprint = event.fingerprint;
    state.requested_at_us = event.requested_at_us;
  }
  void operator()(const payment_captured& event) {
    state.status = payment_status::captured;
    state.psp_reference = event.psp_reference;
  }
  void operator()(const payment_declined& event) {
    state.status = payment_status::declined;
    state.decline_reason = event.reason;
  }
  void operator()(const payment_attempt_failed&) { ++state.failed_attempts; }
  void operator()(const refund_recorded& event) {
    state.refunded_cents += event.amount_cents;
    state.refund_ids.insert(event.refund_id);
  }
  void operator()(const ledger_transaction_recorded& event) {
    // Double entry: every transaction balances, in integer minor units.
    auto sum = std::accumulate(
        event.postings.begin(), event.postings.end(), int64_t{0},
        [](int64_t total, const ledger_posting& posting) {
          return total + posting.amount_cents;
        });
    assert(sum == 0);
    (void)sum;
    ++state.ledger_transactions;
  }
};

} // namespace

std::string_view to_string(payment_status status) noexcept {
  switch (status) {
  case payment_status::none:
    return "none";
  case payment_status::pending:
    return "pending";
  case payment_status::captured:
    return "captured";
  case payment_status::declined:
    return "declined";
  }
  return "none";
}

std::string payment_fingerprint(const request_payment& request) {
  return request.order_id + "|" + std::to_string(request.amount_cents) + "|" +
         request.currency + "|" + request.payment_token;
}

expected<std::vector<payment_event>> decide(const payment_state& state,
                                            const payment_command& command,
                                            timestamp now) {
  return std::visit(decider{state, now}, command);
}

void apply_event(payment_state& state, const payment_event& event) {
  std::visit(applier{state}, event);
  assert(state.refunded_cents >= 0);
  assert(state.refunded_cents <= state.amount_cents);
}

bool charge_after_status(payment_outcome known, bool holds_live) {
  return holds_live && known != payment_outcome::captured &&
         known != payment_outcome::declined;
}

bool settles_without_hold(payment_outcome known) {
  return known == payment_outcome::captured ||
         known == payment_outcome::declined ||
         known == payment_outcome::pending;
}

payment_view payment_entity::reply(const payment_state& state,
                                   const payment_command&) {
  return payment_view{"",
                      state.status,
                      state.order_id,
                      state.amount_cents,
                      state.currency,
                      state.payment_token,
                      state.psp_reference,
                      state.decline_reason,
                      state.refunded_cents,
                      state.failed_attempts};
}

} // namespace tillroll
