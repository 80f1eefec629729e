// The latest snapshot of each stream: an entity's state at a sequence, so
// activation replays only the tail. Snapshots are versioned per entity kind;
// one of another version is ignored and the state rebuilt from events.
// Losing a snapshot costs replay time, never data, so they are written
// without fsync.
#pragma once

#include "events/expected.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tillroll {

class event_log;

struct snapshot {
  uint16_t version = 0;
  uint64_t sequence = 0;
  std::string state;
};

/// A snapshot as stored: crc32c(u32) | version(u16) | sequence(u64) |
/// state bytes, little-endian; the checksum covers everything after it.
std::string encode_snapshot(const snapshot& taken);
/// A snapshot from its stored bytes; `corrupt_record`, naming `stream_id`,
/// when they are damaged. The state bytes are not looked into here.
[[nodiscard]] expected<snapshot> decode_snapshot(std::string_view stream_id,
                                                 std::string_view bytes);

class snapshot_store {
public:
  explicit snapshot_store(event_log& log) : log_(log) {}

  /// The stream's snapshot, if any. A damaged one is reported as
  /// `corrupt_record`, so the caller can fall back to a full replay.
  [[nodiscard]] expected<std::optional<snapshot>>
  load(std::string_view stream_id) const;

  [[nodiscard]] expected<void> save(std::string_view stream_id,
                                    const snapshot& taken);

  /// Deletes the stream's snapshot (one found to describe a state its
  /// stream never reached).
  [[nodiscard]] expected<void> erase(std::string_view stream_id);

private:
  event_log& log_;
};

} // namespace tillroll
