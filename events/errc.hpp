// The error codes of tillroll: business rejections and storage failures as
// data. Values are pinned: they cross actor boundaries and appear in logs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tillroll {

enum class errc : uint8_t {
  none = 0,
  invalid_argument = 1,
  not_found = 2,
  conflict = 3,
  out_of_stock = 4,
  forbidden = 5,
  unauthorized = 6,
  wrong_state = 7,
  payment_declined = 8,
  overloaded = 9,
  storage_failure = 10,
  corrupt_record = 11,
  timeout = 12,
  too_large = 13,
  rate_limited = 14,
  idempotency_conflict = 15,
  unavailable = 16,
  unsupported_media_type = 17,
  /// The order's hold on its stock ended before it was paid.
  reservation_expired = 18,
  /// The product is delisted: its SKUs are no longer sold.
  delisted = 19,
  /// A cart or an order holds one currency.
  currency_mismatch = 20,
  /// The idempotency key is older than its retention: it starts anew.
  key_expired = 21,
};

/// The stable snake_case name of a code, as API.md's error codes spell it.
std::string_view to_string(errc code) noexcept;

/// A failed operation: what went wrong, for whom, and whether retrying the
/// same operation later may succeed (a busy disk, a full queue).
struct failure {
  errc code = errc::none;
  std::string message;
  bool retryable = false;
};

} // namespace tillroll
