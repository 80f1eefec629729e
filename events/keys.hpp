// The RocksDB key layout of the log. A stream key is the stream id, a zero
// byte, then the big-endian sequence: all events of a stream are adjacent
// and in order, and no stream's keys interleave with another's.
#pragma once

#include "events/expected.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace tillroll {

/// Longest accepted stream id in bytes; keeps keys small and bounded.
inline constexpr size_t stream_id_size_max = 200;

/// Checks that a stream id is `<kind>-<id>`, non-empty, bounded and free of
/// zero bytes (the key separator).
[[nodiscard]] expected<void> validate_stream_id(std::string_view stream_id);

std::string stream_key(std::string_view stream_id, uint64_t sequence);
std::string stream_prefix(std::string_view stream_id);
/// The sequence in a stream key; the key must come from `stream_key`.
uint64_t stream_key_sequence(std::string_view key);
std::string position_key(uint64_t position);

/// The global order holds one entry per append, not per event: the key is
/// the append's first position, the value its first event's stream key and
/// how many events follow it in the stream. Half the keys of one entry per
/// event, and a RocksDB write costs by the key on this hardware.
std::string global_entry(std::string_view stream_id, uint64_t first_sequence,
                         uint64_t count);

struct global_range {
  std::string_view stream_id;
  uint64_t first_sequence = 0;
  uint64_t count = 0;
};

/// Parses a global entry; a malformed one is `corrupt_record`.
[[nodiscard]] expected<global_range> parse_global_entry(std::string_view value);

/// The kind of a stream id (before the first '-'), e.g. "sku".
std::string_view stream_kind(std::string_view stream_id);
/// The entity id of a stream id (after the first '-').
std::string_view stream_entity_id(std::string_view stream_id);
std::string make_stream_id(std::string_view kind, std::string_view entity_id);

} // namespace tillroll
