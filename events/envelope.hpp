// The envelope of every event in the log: where it belongs (stream,
// sequence, global position), what it is (type id, schema version), when
// and why it happened (timestamp, correlation and causation ids), and the
// payload bytes. The record format is versioned and checksummed.
#pragma once

#include "events/expected.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace tillroll {

using timestamp = std::chrono::time_point<std::chrono::system_clock,
                                          std::chrono::microseconds>;

inline timestamp now_timestamp() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
}

/// An event not yet in the log: the journal gives it its sequence and
/// position when it is appended.
struct new_event {
  uint32_t type_id = 0;
  uint16_t schema_version = 0;
  std::string payload;
  timestamp recorded_at;
  std::string correlation_id;
  std::string causation_id;
};

/// An event as stored.
struct recorded_event {
  std::string stream_id;
  uint64_t sequence = 0;
  uint64_t position = 0;
  uint32_t type_id = 0;
  uint16_t schema_version = 0;
  timestamp recorded_at;
  std::string correlation_id;
  std::string causation_id;
  std::string payload;
};

/// Bytes of an encoded record: crc32c(u32) | format(u8) | type_id(u32) |
/// schema_version(u16) | sequence(u64) | position(u64) | recorded_at(i64 us)
/// | stream, correlation, causation (u16 size + bytes each) | payload (u32
/// size + bytes). Little-endian. The checksum covers everything after it.
inline constexpr uint8_t record_format_version = 1;
/// Largest payload accepted into the log.
inline constexpr size_t payload_size_max = 1u << 20;
/// Longest correlation or causation id.
inline constexpr size_t trace_id_size_max = 128;

/// `event` as stored at `sequence` of `stream_id` and `position` of the
/// log: its strings are moved, not copied.
inline recorded_event record_of(new_event&& event, std::string stream_id,
                                uint64_t sequence, uint64_t position) {
  return recorded_event{std::move(stream_id),
                        sequence,
                        position,
                        event.type_id,
                        event.schema_version,
                        event.recorded_at,
                        std::move(event.correlation_id),
                        std::move(event.causation_id),
                        std::move(event.payload)};
}

std::string encode_record(const recorded_event& event);
[[nodiscard]] expected<recorded_event> decode_record(std::string_view bytes);
/// Decodes into `out`, reusing its strings' storage: replay decodes
/// millions of records and would otherwise allocate for each.
[[nodiscard]] expected<void> decode_record_into(std::string_view bytes,
                                                recorded_event& out);

} // namespace tillroll
