// Every event of a payment's stream (`payment-<idempotency key>`): the
// request with the fingerprint of its parameters, the PSP's outcome, and
// every money movement as a balanced double-entry ledger transaction.
// Type ids 300-399 belong to payments and never change.
#pragma once

#include "events/described.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tillroll {

struct payment_requested {
  static constexpr uint32_t type_id = 300;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "payment_requested";
  std::string order_id;
  int64_t amount_cents = 0;
  std::string currency;
  /// The PSP token; tillroll never sees card numbers.
  std::string payment_token;
  /// Identifies the parameters; the same key with others is refused.
  std::string fingerprint;
  int64_t requested_at_us = 0;
};
BOOST_DESCRIBE_STRUCT(payment_requested, (),
                      (order_id, amount_cents, currency, payment_token,
                       fingerprint, requested_at_us))

struct payment_captured {
  static constexpr uint32_t type_id = 301;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "payment_captured";
  std::string psp_reference;
};
BOOST_DESCRIBE_STRUCT(payment_captured, (), (psp_reference))

struct payment_declined {
  static constexpr uint32_t type_id = 302;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "payment_declined";
  std::string reason;
};
BOOST_DESCRIBE_STRUCT(payment_declined, (), (reason))

/// A transient PSP failure; the charge is retried with the same key.
struct payment_attempt_failed {
  static constexpr uint32_t type_id = 303;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "payment_attempt_failed";
  std::string reason;
};
BOOST_DESCRIBE_STRUCT(payment_attempt_failed, (), (reason))

struct refund_recorded {
  static constexpr uint32_t type_id = 304;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "refund_recorded";
  std::string refund_id;
  int64_t amount_cents = 0;
  std::string psp_reference;
};
BOOST_DESCRIBE_STRUCT(refund_recorded, (),
                      (refund_id, amount_cents, psp_reference))

struct ledger_posting {
  std::string account;
  /// Debits positive, credits negative; a transaction's postings sum to 0.
  int64_t amount_cents = 0;
};
BOOST_DESCRIBE_STRUCT(ledger_posting, (), (account, amount_cents))

struct ledger_transaction_recorded {
  static constexpr uint32_t type_id = 305;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "ledger_transaction_recorded";
  std::string transaction_id;
  std::string currency;
  std::vector<ledger_posting> postings;
};
BOOST_DESCRIBE_STRUCT(ledger_transaction_recorded, (),
                      (transaction_id, currency, postings))

using payment_event =
    std::variant<payment_requested, payment_captured, payment_declined,
                 payment_attempt_failed, refund_recorded,
                 ledger_transaction_recorded>;

/// The ledger's accounts.
namespace ledger_accounts {
/// Money the PSP holds for us: debited on capture, credited on refund.
inline constexpr std::string_view psp_clearing = "asset:psp_clearing";
/// Sales revenue: credited on capture.
inline constexpr std::string_view sales = "revenue:sales";
/// Refunds given: debited on refund (a contra-revenue account).
inline constexpr std::string_view refunds = "revenue:refunds";
} // namespace ledger_accounts

} // namespace tillroll
