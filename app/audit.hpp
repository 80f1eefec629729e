// The audit: replays the whole log and checks the invariants of money and
// stock with a model of its own, independent of the deciders it checks
// (TigerBeetle's auditor): no oversell, every paid order has its
// reservation and payment, what every SKU sold to an order is the order's
// line, every ledger transaction sums to zero, no idempotency key charged
// twice.
#pragma once

#include "events/envelope.hpp"
#include "events/expected.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tillroll {

class event_log;

struct audit_report {
  uint64_t events = 0;
  uint64_t skus = 0;
  uint64_t orders = 0;
  uint64_t payments = 0;
  /// SKUs whose sold plus reserved ever exceeded what was received.
  std::vector<std::string> oversold_skus;
  /// Orders that reached a paid status without a captured payment or
  /// without their stock reserved and confirmed.
  std::vector<std::string> orders_without_payment;
  /// "<payment id>#<sequence>" of ledger transactions not summing to zero.
  std::vector<std::string> unbalanced_transactions;
  /// Payments (one per idempotency key) captured more than once.
  std::vector<std::string> double_charges;
  /// "<order id> <sku>" where what the SKU sold to the order differs from
  /// the order's line (units charged but never taken, or taken unpaid),
  /// and "<order id> total" where the total is not the sum of the lines.
  std::vector<std::string> line_mismatches;
  /// Cancelled orders that were charged, with less refunded than the
  /// total and no refund under way.
  std::vector<std::string> unrefunded_cancellations;
  /// Flash sales where some buyer held or bought more units than the
  /// sale's per-user limit.
  std::vector<std::string> flash_sale_limits_passed;
  /// Orders with a refund the PSP refused until it was parked for an
  /// operator. Not a broken invariant: money owed and known.
  std::vector<std::string> parked_refunds;

  bool ok() const {
    return oversold_skus.empty() && flash_sale_limits_passed.empty() &&
           orders_without_payment.empty() && unbalanced_transactions.empty() &&
           double_charges.empty() && line_mismatches.empty() &&
           unrefunded_cancellations.empty();
  }
  std::string to_json() const;
};

/// What an audit reads besides this member's own log.
struct audit_scope {
  /// The members whose copies (events/replica_log.hpp) are read too.
  std::vector<std::string> replica_members;
  /// Only events recorded at or before it; none: every event.
  std::optional<timestamp> until;
};

[[nodiscard]] expected<audit_report> audit(const event_log& log,
                                           const audit_scope& scope = {});

} // namespace tillroll
