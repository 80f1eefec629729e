// Rate limits per key (an email, a client address, a buyer, a ticket) by
// the generic cell rate algorithm: `per_minute` requests at once, then one
// every 60 / per_minute seconds. One timestamp a key; the keys are bounded,
// and when full the keys whose allowance is whole again go first.
#pragma once

#include "events/envelope.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace tillroll {

/// Most keys one limit tracks; past it, it forgets the keys that are
/// within their allowance, and if none is, the key nearest to it.
inline constexpr size_t rate_limit_keys_max = 100'000;

/// Requests a client may send a minute, in a burst at once or spread out
/// (http/rate_limit.hpp); 0: no limit. Past it: 429 with Retry-After.
struct rate_limit_settings {
  /// Sign-in attempts per email, whoever sends them.
  int64_t sign_in_per_email = 10;
  /// Sign-in attempts per client address, whatever the email.
  int64_t sign_in_per_address = 300;
  /// Checkouts per buyer.
  int64_t checkout_per_buyer = 120;
  /// Polls per flash sale ticket.
  int64_t ticket_polls_per_ticket = 120;
};

class rate_limit {
public:
  /// 0 per minute: no limit.
  explicit rate_limit(int64_t per_minute) : per_minute_(per_minute) {}

  /// None if a request of `key` may go ahead now (and counts it), else
  /// the whole seconds until it may.
  std::optional<int64_t> refuse(const std::string& key, timestamp now);

  int64_t per_minute() const { return per_minute_; }

private:
  void make_room(int64_t now_us);

  int64_t per_minute_;
  std::mutex mutex_;
  /// Theoretical arrival time of each key's next request, microseconds.
  std::map<std::string, int64_t> next_;
};

} // namespace tillroll
