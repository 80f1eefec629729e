// What became of a charge or a refund at the PSP: the one vocabulary the
// PSP's answer, the payment entity and the order share, so an outcome
// crosses from one to the next without translation.
#pragma once

#include <cstdint>
#include <string_view>

namespace tillroll {

/// Values are pinned: they are those the PSP answer's, the payment's and
/// the order's outcome enums each had (captured 0, declined 1, failed 2,
/// pending 3), so anything stored or compared by value reads the same.
enum class payment_outcome : uint8_t {
  /// The money moved (a charge captured, a refund paid out).
  captured = 0,
  /// Refused for good: the same key will not succeed.
  declined = 1,
  /// Failed without moving money; the same key may be tried again.
  failed = 2,
  /// No final answer yet (or none at all): ask again later.
  pending = 3,
  /// The PSP has no charge under the key; only a status query answers it.
  unknown = 4,
};

inline std::string_view to_string(payment_outcome outcome) noexcept {
  switch (outcome) {
  case payment_outcome::captured:
    return "captured";
  case payment_outcome::declined:
    return "declined";
  case payment_outcome::failed:
    return "failed";
  case payment_outcome::pending:
    return "pending";
  case payment_outcome::unknown:
    return "unknown";
  }
  return "unknown";
}

} // namespace tillroll
