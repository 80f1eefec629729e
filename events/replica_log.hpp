// This member's copy of another member's committed global log, kept so the
// read models can include every member's entities and the audit can see
// the whole cluster. Each record is kept as the owner stored it (checksum
// and all), under "replica/<member>/<position, big-endian>" in the
// projections family. A copy lost in a crash is fetched again: its writes
// come before the read models' offsets in the same write-ahead log, so no
// read model is ever ahead of the copy.
#pragma once

#include "events/envelope.hpp"
#include "events/expected.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tillroll {

class event_log;

/// Most bytes of records in one answer to a member's pull.
inline constexpr size_t replica_batch_bytes_max = size_t{1} << 20;
/// Most records in one answer to a member's pull.
inline constexpr size_t replica_batch_events_max = 1000;

/// The records of `events`, framed for the wire: u32 size (little-endian)
/// and the record's bytes, each in turn, at most
/// `replica_batch_bytes_max` of them (the first always).
std::string frame_records(const std::vector<recorded_event>& events);

/// The records of a framed batch, checksums verified; they must follow one
/// another from `first_position` on.
[[nodiscard]] expected<std::vector<recorded_event>>
unframe_records(std::string_view framed, uint64_t first_position);

/// Stores `events` (contiguous, after what is stored) as `member`'s.
[[nodiscard]] expected<void>
store_replica(event_log& log, std::string_view member,
              const std::vector<recorded_event>& events);

/// Up to `limit` of `member`'s records from `from_position` on, in order.
[[nodiscard]] expected<std::vector<recorded_event>>
read_replica(const event_log& log, std::string_view member,
             uint64_t from_position, size_t limit);

/// The last position stored of `member`'s log, 0 when none is.
[[nodiscard]] expected<uint64_t> replica_head(const event_log& log,
                                              std::string_view member);

} // namespace tillroll
