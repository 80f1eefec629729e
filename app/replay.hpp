// Reading the log for people: each event of a stream as JSON with the
// entity's state after it (time travel), and the global log.
#pragma once

#include "events/envelope.hpp"
#include "events/expected.hpp"
#include "events/time_text.hpp"
#include "http/schema.hpp"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
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

/// The stream's events from `from_sequence` to `to_sequence` (at most
/// `limit`) as {"stream", "items": [...]}; each with the state after it
/// when `with_state`.
[[nodiscard]] expected<std::string>
stream_events_json(const event_log& log, std::string_view stream_id,
                   uint64_t from_sequence, uint64_t to_sequence, size_t limit,
                   bool with_state = false);

/// The state at two points of a stream and how the second differs from
/// the first: {"stream", "from": {sequence, recorded_at, state}, "to":
/// {...}, "changes": [{op: add|remove|replace, path, before?, after?}]}
/// (paths are JSON Pointers into the state).
[[nodiscard]] expected<std::string> stream_diff_json(const event_log& log,
                                                     std::string_view stream_id,
                                                     const replay_bounds& from,
                                                     const replay_bounds& to);

/// Which events of the global log a page shows.
struct global_filter {
  /// The stream kind (the part of the stream name before its first '-');
  /// empty: every kind.
  std::string kind;
  /// Only events of this correlation id; empty: any.
  std::string correlation_id;
};

/// Most events one page of the global log reads, matched or not: a filter
/// that matches rarely answers a short page with a cursor, not a scan of
/// the whole log.
inline constexpr size_t global_scan_max = 5000;

/// Up to `limit` events after `after_position` that pass `filter`, as
/// {"items", "next_cursor", "head"}: next_cursor is the last position read
/// (null once the page reached the head), head the log's last position.
[[nodiscard]] expected<std::string>
global_events_json(const event_log& log, uint64_t after_position, size_t limit,
                   const global_filter& filter);

/// A product's reviews, newest first: at most `limit` of those before
/// sequence `before_sequence` of its stream, as {"items": [{rating, text,
/// at}], "next_cursor"}.
[[nodiscard]] expected<std::string>
product_reviews_json(const event_log& log, std::string_view product_id,
                     uint64_t before_sequence, size_t limit);

/// The entity's state after the last event within `bounds`, as
/// {"stream", "sequence", "recorded_at", "state"}.
[[nodiscard]] expected<std::string>
stream_state_json(const event_log& log, std::string_view stream_id,
                  const replay_bounds& bounds);

/// An event of any kind as the replay renders it (its fields and its
/// type), and a state of any kind: what /openapi.json says the admin's
/// stream routes answer.
schema replayed_event_schema();
schema replayed_state_schema();

/// Writes one JSON line per event of the global log from `from_position`.
[[nodiscard]] expected<void> dump_events(const event_log& log,
                                         uint64_t from_position, size_t limit,
                                         std::ostream& out);

} // namespace tillroll
