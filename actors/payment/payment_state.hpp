// A payment as a decider: one per idempotency key. It records the request
// with a fingerprint of its parameters, the PSP's outcome, refunds, and a
// balanced ledger transaction for every money movement. The PSP itself is
// called by the order's saga (actors/order/), never from here.
#pragma once

#include "events/envelope.hpp"
#include "events/expected.hpp"
#include "events/payment_events.hpp"

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
  enum class outcome : uint8_t { captured, declined, failed, pending };
  outcome result = outcome::pending;
  std::string psp_reference;
  std::string reason;
};

struct record_refund {
  std::string refund_id;
  int64_t amount_cents = 0;
  std::string psp_reference;
};

struct get_payment {};

using payment_command = std::variant<request_payment, record_psp_outcome,
                                     record_refund, get_payment>;

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
