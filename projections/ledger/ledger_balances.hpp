// The ledger read model: balances per account and currency from every
// payment's ledger transactions, and per payment what was captured and
// refunded, which reconciliation compares with the PSP's settlement report.
#pragma once

#include "actors/payment/psp.hpp"
#include "projections/projection.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace tillroll {

struct payment_totals {
  std::string currency;
  int64_t amount_cents = 0;
  int64_t captured_cents = 0;
  int64_t refunded_cents = 0;
  bool operator==(const payment_totals&) const = default;
};

/// One difference between our ledger and the PSP's books.
struct reconciliation_difference {
  std::string payment_id;
  /// missing_at_psp, missing_in_ledger, captured_differs, refunded_differs,
  /// and from the PSP's books alone captured_twice (one key),
  /// order_charged_twice (one order under two keys)
  std::string kind;
  int64_t ledger_cents = 0;
  int64_t psp_cents = 0;
};

class ledger_balances final : public projection {
public:
  std::string_view name() const override { return "ledger"; }
  expected<void> load_entry(std::string_view key,
                            std::string_view value) override;
  expected<void> apply(const recorded_event& event,
                       projection_writer& changes) override;
  void reset() override;

  /// Balance by "account currency" (e.g. "revenue:sales EUR").
  std::map<std::string, int64_t> balances() const;
  std::map<std::string, payment_totals> payments() const;

private:
  mutable std::mutex mutex_;
  std::map<std::string, int64_t, std::less<>> balances_;
  std::map<std::string, payment_totals, std::less<>> payments_;
};

/// Every difference between the ledger and the PSP's settlement report.
std::vector<reconciliation_difference>
reconcile(const std::map<std::string, payment_totals>& ledger,
          const std::vector<settlement_line>& report);

} // namespace tillroll
