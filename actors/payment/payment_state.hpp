// A payment as a decider: one per idempotency key. It records the request
// with a fingerprint of its parameters, the PSP's outcome, refunds, and a
// balanced ledger transaction for every money movement. The payment's
// actor (payment_actor.cpp) takes the PSP step when its order asks; the
// rules of that step are the pure functions at the end of this header.
#pragma once

#include "events/envelope.hpp"
#include "events/expected.hpp"
#include "events/payment_events.hpp"
#include "events/payment_outcome.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace tillroll {

/// How long an idempotency key is remembered: a retry within it returns
/// the first result; the same key with other parameters is refused.
inline constexpr std::chrono::hours idempotency_key_retention{24};
inline constexpr size_t payment_token_size_max = 128;

enum class payment_status : uint8_t {
  none = 0,
  pending = 1,
  captured = 2,
  declined = 3,
};
BOOST_DESCRIBE_ENUM(payment_status, none, pending, captured, declined)

std::string_view to_string(payment_status status) noexcept;

struct payment_state {
  payment_status status = payment_status::none;
  std::string order_id;
  int64_t amount_cents = 0;
  std::string currency;
  std::string payment_token;
  std::string fingerprint;
  int64_t requested_at_us = 0;
  std::string psp_reference;
  std::string decline_reason;
  uint32_t failed_attempts = 0;
  int64_t refunded_cents = 0;
  std::set<std::string> refund_ids;
  uint32_t ledger_transactions = 0;

  template <class Archive> void serialize(Archive& archive) {
    archive(status, order_id, amount_cents, currency, payment_token,
            fingerprint, requested_at_us, psp_reference, decline_reason,
            failed_attempts, refunded_cents, refund_ids, ledger_transactions);
  }
};
BOOST_DESCRIBE_STRUCT(payment_state, (),
                      (status, order_id, amount_cents, currency, payment_token,
                       fingerprint, requested_at_us, psp_reference,
                       decline_reason, failed_attempts, refunded_cents,
                       refund_ids, ledger_transactions))

struct request_payment {
  std::string order_id;
  int64_t amount_cents = 0;
  std::string currency;
  std::string payment_token;
};

/// What the PSP answered for the charge.
struct record_psp_outcome {
  payment_outcome result = payment_outcome::pending;
  std::string psp_reference;
  std::string reason;
};

/// A charge and what the PSP answered for it, recorded in one append. The
/// charge needs no append of its own before it is sent: the order's
/// order_payment_started already says one may be out, and every charge
/// step asks the PSP what it knows under the key before it charges.
struct record_charge {
  request_payment request;
  record_psp_outcome outcome;
};

struct record_refund {
  std::string refund_id;
  int64_t amount_cents = 0;
  std::string psp_reference;
};

struct get_payment {};

// The PSP step an order asks of its payment (payment_actor.cpp); each is
// answered with the PSP's answer (psp_answer), as the payment recorded it.

/// From the order: charge, unless the PSP already knows a final charge
/// under the key (after a crash it may have gone through). Answered with
/// the PSP's answer once the payment has recorded it.
struct charge_request {
  request_payment payment;
  /// The order's holds are live. When they ended, the payment only asks
  /// what became of a charge already sent and never charges.
  bool holds_live = true;
  /// The order saga's step, written into the payment's events.
  std::string correlation_id;
  std::string causation_id;
};

/// From the order: pay a refund back. Answered with the PSP's answer; a
/// refund paid out is recorded before the answer.
struct refund_request {
  std::string refund_id;
  int64_t amount_cents = 0;
  std::string correlation_id;
  std::string causation_id;
};

/// How long an order waits for its payment's PSP step: longer than the
/// step can take (the status query, the charge and the record of both,
/// 10 s each at most), so an order that gave up on
/// a step finds it over.
inline constexpr std::chrono::seconds payment_step_timeout{45};
/// PSP steps waiting behind the one a payment is taking (they run one at
/// a time); its order is the only one to ask, so a few suffice, and one
/// past them is refused as overloaded and retried.
inline constexpr size_t payment_steps_waiting_max = 8;

using payment_command = std::variant<request_payment, record_psp_outcome,
                                     record_charge, record_refund, get_payment>;

struct payment_view {
  std::string payment_id;
  payment_status status = payment_status::none;
  std::string order_id;
  int64_t amount_cents = 0;
  std::string currency;
  std::string payment_token;
  std::string psp_reference;
  std::string decline_reason;
  int64_t refunded_cents = 0;
  uint32_t failed_attempts = 0;
};

std::string payment_fingerprint(const request_payment& request);

[[nodiscard]] expected<std::vector<payment_event>>
decide(const payment_state& state, const payment_command& command,
       timestamp now);

/// Total; asserts that every ledger transaction sums to zero and that no
/// more is refunded than was captured.
void apply_event(payment_state& state, const payment_event& event);

/// Whether the PSP step sends the charge once the PSP said what it knows
/// under the key: only if it knows no final charge (after a crash the
/// charge may have gone through) and the order's holds are live.
bool charge_after_status(payment_outcome known, bool holds_live);

/// Whether a status answer of a payment whose order lost its holds is
/// recorded: a charge that landed, was refused or is still open is; one
/// that failed or was never made leaves the order to cancel unpaid.
bool settles_without_hold(payment_outcome known);

struct payment_entity {
  static constexpr std::string_view kind = "payment";
  static constexpr uint16_t snapshot_version = 1;
  using state_type = payment_state;
  using event_type = payment_event;
  using command_type = payment_command;
  using reply_type = payment_view;

  static payment_view reply(const payment_state& state,
                            const payment_command& command);
};

} // namespace tillroll
