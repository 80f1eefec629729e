// What every entity actor on a node shares: the log, the journal, the
// snapshot store, the registry, and the settings of the event-sourced
// shell (snapshot interval, passivation, queue limits, clock).
#pragma once

#include "events/envelope.hpp"

#include <caf/actor.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>

namespace tillroll {

class event_log;
class journal;
class snapshot_store;

struct entity_settings {
  /// A snapshot is taken after this many events since the last one.
  size_t snapshot_every_events = 1000;
  /// An entity idle this long snapshots and stops; memory follows the
  /// working set, not the catalog.
  std::chrono::milliseconds idle_timeout = std::chrono::minutes{2};
  /// Most commands waiting behind an in-flight write; more are refused as
  /// `overloaded`, so a flood cannot exhaust memory.
  size_t command_queue_max = 100'000;
  /// Most appends of one entity in flight at once: while one is fsync'd
  /// the next batch is decided and queued behind it.
  size_t appends_in_flight_max = 4;
  /// Most commands decided into one append.
  size_t command_batch_max = 1024;
  /// A batch takes no more commands once it holds this many events. One
  /// command emits at most `journal_options::request_events_max` minus this
  /// (each decider bounds its output), so a batch always fits one append.
  size_t batch_events_max = 2048;
  /// How long an entity keeps a requester waiting for its outcome (the
  /// checkout waits at most 30 s for its saga); then it is answered
  /// `timeout` and dropped, so it cannot keep the entity resident.
  std::chrono::milliseconds watcher_wait = std::chrono::seconds{60};
  /// The wall clock entities put into commands and timers; tests replace it.
  std::function<timestamp()> clock = now_timestamp;
};

/// Settings of the commerce sagas.
struct saga_settings {
  /// How long a checkout holds its stock, and each extension of the hold.
  std::chrono::microseconds reservation_ttl = std::chrono::minutes{10};
  /// How long a checkout's Idempotency-Key finds its order; after that the
  /// same key starts a new order.
  std::chrono::microseconds idempotency_key_retention = std::chrono::hours{24};
};

struct membership;

struct entity_context {
  event_log* log = nullptr;
  class journal* journal = nullptr;
  snapshot_store* snapshots = nullptr;
  entity_settings settings;
  saga_settings saga;
  /// Set once the registry is spawned.
  caf::actor registry;
  /// The payment service provider, for the checkout saga.
  caf::actor psp;
  /// The cluster this node is a member of (none or empty: a single node):
  /// the registry serves only the streams it owns.
  const membership* cluster = nullptr;
  /// Carries a command for another member's entity to its owner
  /// (actors/cluster/forwarding.hpp); none for a single node.
  caf::actor cluster_link;
  /// Live entity actors on this node, kept by the registry for metrics.
  std::atomic<uint64_t> live_entities{0};
};

/// The metadata key under which a stream's next timer deadline is kept, so
/// an overdue timer fires after a restart even if the entity is not live.
std::string timer_key(std::string_view stream_id);
inline constexpr std::string_view timer_key_prefix = "timer/";

/// The metadata key of a timer in due order (`due/`, the deadline as 8
/// big-endian bytes of microseconds since the epoch, the stream id), so the
/// registry reads only the timers due soon, page by page, however many
/// entities have timers far ahead (a 30-day cart expiry each).
std::string due_key(int64_t at_us, std::string_view stream_id);
inline constexpr std::string_view due_key_prefix = "due/";

/// The metadata key that lists a stream whose entity has work left (a saga
/// step), so the registry wakes it when the node starts.
std::string resume_key(std::string_view stream_id);
inline constexpr std::string_view resume_key_prefix = "resume/";

} // namespace tillroll
