// The payment service provider behind an adapter: authorize and capture,
// refund, status, settlement report. Every call is idempotent by key, as
// real PSPs are. The built-in simulated PSP is the one simulated party of
// tillroll; its test tokens are those of shared/API.md.
#pragma once

#include "events/expected.hpp"
#include "events/payment_outcome.hpp"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tillroll {

class event_log;

struct psp_answer {
  payment_outcome status = payment_outcome::unknown;
  std::string reference;
  std::string reason;
};

struct psp_charge {
  std::string key;
  int64_t amount_cents = 0;
  std::string currency;
  std::string token;
  /// The merchant's reference (our order id), kept in the PSP's books so
  /// charges can be counted per order on the PSP's side.
  std::string reference;
};

/// One charge key as the PSP's own books have it: what "one charge per
/// order" is checked against, never our log.
struct settlement_line {
  std::string key;
  std::string currency;
  int64_t captured_cents = 0;
  int64_t refunded_cents = 0;
  std::string reference;
  /// Charge calls made with this key (retries included).
  uint32_t attempts = 0;
  /// Times money was taken with this key.
  uint32_t captures = 0;
};

class psp_adapter {
public:
  virtual ~psp_adapter() = default;
  /// Authorizes and captures; the same key never charges twice.
  virtual psp_answer charge(const psp_charge& charge) = 0;
  virtual psp_answer refund(const std::string& key,
                            const std::string& refund_id,
                            int64_t amount_cents) = 0;
  /// What became of a charge, e.g. one whose answer never came.
  virtual psp_answer status(const std::string& key) = 0;
  /// Every settled charge with its refunds, for reconciliation.
  virtual std::vector<settlement_line> settlement_report() = 0;
};

/// Test tokens: `tok_visa` succeeds; `tok_declined` declines; `tok_timeout`
/// captures but gives no answer until asked for the status; `tok_error`
/// fails transiently, then succeeds on retry; `tok_refund_declined`
/// succeeds and refuses every refund. Its books are kept durably
/// in the node's metadata under `psp/`, as a real PSP's outlive a crash of
/// ours.
class simulated_psp final : public psp_adapter {
public:
  explicit simulated_psp(event_log& log) : log_(log) {}

  psp_answer charge(const psp_charge& charge) override;
  psp_answer refund(const std::string& key, const std::string& refund_id,
                    int64_t amount_cents) override;
  psp_answer status(const std::string& key) override;
  std::vector<settlement_line> settlement_report() override;

private:
  struct account {
    std::string status; // captured, declined, failed
    std::string currency;
    int64_t captured_cents = 0;
    int64_t refunded_cents = 0;
    uint32_t attempts = 0;
    std::vector<std::string> refund_ids;
    bool refuses_refunds = false;
    std::string reference;
    uint32_t captures = 0;

    template <class Archive> void serialize(Archive& archive) {
      archive(status, currency, captured_cents, refunded_cents, attempts,
              refund_ids, refuses_refunds, reference, captures);
    }
  };
  /// An account as stored: events/codec.hpp's cereal archive.
  static std::string encode(const account& books);
  [[nodiscard]] static expected<account> decode(std::string_view stored);
  /// The text books of the releases before cereal.
  [[nodiscard]] static expected<account> decode_text(std::string_view stored);
  expected<std::optional<account>> load(const std::string& key);
  bool store(const std::string& key, const account& books);

  event_log& log_;
  std::mutex mutex_;
};

} // namespace tillroll
