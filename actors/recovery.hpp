// Rebuilding an entity's state from the log: the latest snapshot of the
// right version, then every later event through the upcasters. Shared by
// the entity actor, the command line and the benchmarks. No CAF here.
#pragma once

#include "events/byte_order.hpp"
#include "events/codec.hpp"
#include "events/event_log.hpp"
#include "snapshots/snapshot_store.hpp"

#include <algorithm>
#include <optional>
#include <string_view>

namespace tillroll {

template <class Entity> struct recovered_state {
  typename Entity::state_type state{};
  /// The last sequence applied.
  uint64_t sequence = 0;
  /// The sequence of the snapshot used, 0 when none.
  uint64_t snapshot_sequence = 0;
  /// The size of the snapshot used, which spaces out the next one.
  size_t snapshot_bytes = 0;
  /// The highest global position among the events replayed (0: none):
  /// the caller can tell whether all of them are durable yet.
  uint64_t last_position = 0;
  /// A snapshot past the stream's head was found and ignored; the caller
  /// deletes it, or it would be used once the stream grows past it again.
  bool stale_snapshot = false;
};

/// The state a stored snapshot holds; nullopt when it is of another
/// version or does not decode, which costs only a longer replay.
template <class Entity>
std::optional<typename Entity::state_type>
snapshot_state(const snapshot& stored) {
  if (stored.version != Entity::snapshot_version)
    return std::nullopt;
  auto decoded = decode_payload<typename Entity::state_type>(stored.state);
  if (!decoded)
    return std::nullopt;
  return std::move(*decoded);
}

/// The state of `stream_id`. With `snapshots` null, a full replay. A
/// damaged or outdated snapshot only costs a longer replay.
template <class Entity>
expected<recovered_state<Entity>> recover_state(const event_log& log,
                                                const snapshot_store* snapshots,
                                                std::string_view stream_id) {
  recovered_state<Entity> result;
  if (snapshots != nullptr) {
    auto loaded = snapshots->load(stream_id);
    if (loaded && *loaded) {
      if (auto state = snapshot_state<Entity>(**loaded)) {
        result.state = std::move(*state);
        result.sequence = result.snapshot_sequence = (*loaded)->sequence;
        result.snapshot_bytes = (*loaded)->state.size();
      }
    }
  }
  // The replay starts at the snapshot's own last event, which must exist:
  // a snapshot can outlive the events it covers (with `durability off`
  // events skip the write-ahead log and a crash loses them), and one past
  // the stream's head describes a state the log never reached. One read
  // checks that and replays the tail.
  auto replay = [&](uint64_t covered) {
    std::optional<failure> broken;
    bool found_covered = covered == 0;
    auto replayed = log.read_stream(
        stream_id, std::max<uint64_t>(covered, 1), UINT64_MAX,
        [&](const recorded_event& record) {
          if (record.sequence == covered) {
            found_covered = true;
            return true;
          }
          auto event = decode_event<typename Entity::event_type>(record);
          if (!event) {
            broken = std::move(event).error();
            return false;
          }
          apply_event(result.state, *event);
          result.sequence = record.sequence;
          result.last_position =
              std::max(result.last_position, record.position);
          return true;
        });
    if (!replayed)
      return replayed;
    if (broken)
      return expected<void>{std::move(*broken)};
    if (!found_covered) {
      result = recovered_state<Entity>{};
      result.stale_snapshot = true;
    }
    return expected<void>{};
  };
  if (auto replayed = replay(result.sequence); !replayed)
    return std::move(replayed).error();
  if (result.stale_snapshot)
    if (auto replayed = replay(0); !replayed)
      return std::move(replayed).error();
  return result;
}

} // namespace tillroll
