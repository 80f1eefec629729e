// Reading the log for people: each event of a stream as JSON with the
// entity's state after it (time travel), and the global log.
#pragma once

#include "events/envelope.hpp"
#include "events/expected.hpp"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string_view>

namespace tillroll {

class event_log;

struct replay_bounds {
  /// Stop after this sequence.
  uint64_t to_sequence = UINT64_MAX;
  /// Stop after the last event recorded at or before this time.
  std::optional<timestamp> at;
};

/// Writes one JSON line per event: envelope, event, and the state after it.
/// A stream of an unknown kind is shown without state.
[[nodiscard]] expected<void> replay_stream(const event_log& log,
                                           std::string_view stream_id,
                                           const replay_bounds& bounds,
                                           std::ostream& out);

/// Writes one JSON line per event of the global log from `from_position`.
[[nodiscard]] expected<void> dump_events(const event_log& log,
                                         uint64_t from_position, size_t limit,
                                         std::ostream& out);

/// Parses `2026-11-29T10:00:00Z` (UTC, optional fraction) or microseconds
/// since the epoch.
std::optional<timestamp> parse_time(std::string_view text);

} // namespace tillroll
