// The simulator's auditor: a model of its own that tallies the events it
// reads from the log and the PSP's books, sharing no code with the
// deciders (only the events, the log's vocabulary). `check` runs after
// every step; `check_final` once faults stopped and the world came to rest.
#pragma once

#include "events/order_events.hpp"
#include "test/simulation/payment_provider.hpp"
#include "test/simulation/simulated_log.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tillroll::simulation {

/// What the auditor knows of each entity, from its events alone.
struct sku_tally {
  /// Stock received minus removed.
  int64_t on_hand = 0;
  std::map<std::string, int64_t> held;
  std::map<std::string, int64_t> sold;
  int64_t held_total = 0;
  int64_t sold_total = 0;
};
struct order_tally {
  bool placed = false;
  std::vector<order_line> lines;
  int64_t total_cents = 0;
  std::string payment_key;
  bool captured = false;
  bool cancelled = false;
  std::string cancel_reason;
  bool stock_confirmed = false;
  bool restored = false;
  bool fulfilled = false;
  int64_t refund_requested_cents = 0;
  int64_t refunded_cents = 0;
};
struct payment_tally {
  int64_t amount_cents = 0;
  bool captured = false;
  int64_t refunded_cents = 0;
  int64_t ledger_captured_cents = 0;
  int64_t ledger_refunded_cents = 0;
};

class auditor {
public:
  /// Reads what the log gained since the last look (a stream that lost
  /// events is read again from its start) and checks every invariant that
  /// holds at any moment. Returns the first violation found.
  std::optional<std::string> check(const simulated_log& log,
                                   const payment_provider& psp);
  /// Every order final, its stock and money where its outcome says.
  std::optional<std::string> check_final(const simulated_log& log,
                                         const payment_provider& psp);

  /// Orders by outcome (cancelled, fulfilled, refunded, open), for the
  /// summary.
  std::map<std::string, uint64_t> outcomes() const;

private:
  template <class Tally> struct followed {
    uint64_t generation = 0;
    size_t consumed = 0;
    Tally tally;
  };

  void read_new_events(const simulated_log& log);
  void violation(std::string what);
  std::string outcome_of(const order_tally& order) const;

  std::map<std::string, followed<sku_tally>> skus_;
  std::map<std::string, followed<order_tally>> orders_;
  std::map<std::string, followed<payment_tally>> payments_;
  /// The first violation met while reading events.
  std::optional<std::string> problem_;
};

} // namespace tillroll::simulation
