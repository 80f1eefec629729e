// The simulator's PSP: a model of its own, not tillroll's simulated PSP,
// keeping the books a real PSP keeps per idempotency key (charge attempts,
// captures, refunds). Every call is idempotent by key, as real PSPs are.
// Faults (timeouts, a 500 after a capture, late and duplicate answers) are
// injected by the world around these calls, so the books always say what
// really happened to the money.
#pragma once

#include "actors/payment/psp.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace tillroll::simulation {

struct psp_account {
  std::string token;
  std::string currency;
  /// none, captured, declined, failed
  std::string status = "none";
  /// Charge requests that reached the PSP under this key.
  uint32_t charge_attempts = 0;
  /// Times money was taken under this key: at most one.
  uint32_t captures = 0;
  int64_t captured_cents = 0;
  int64_t refunded_cents = 0;
  std::set<std::string> refund_ids;
};

/// Test tokens: `tok_visa` captures; `tok_declined` declines; `tok_error`
/// fails the first attempt, then captures.
class payment_provider {
public:
  psp_answer charge(const psp_charge& charge);
  psp_answer refund(const std::string& key, const std::string& refund_id,
                    int64_t amount_cents);
  psp_answer status(const std::string& key) const;

  const std::map<std::string, psp_account>& books() const noexcept {
    return books_;
  }

private:
  std::map<std::string, psp_account> books_;
};

} // namespace tillroll::simulation
