// Times as people read and type them: ISO 8601 UTC with microseconds, as
// the API, replay and the admin routes show and accept them.
#pragma once

#include "events/envelope.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tillroll {

/// 2026-11-29T10:00:00.000000Z
std::string iso_time(int64_t micros_since_epoch);
inline std::string iso_time(timestamp at) {
  return iso_time(at.time_since_epoch().count());
}

/// Parses `2026-11-29T10:00:00Z` (UTC, optional fraction) or microseconds
/// since the epoch.
std::optional<timestamp> parse_time(std::string_view text);

} // namespace tillroll
