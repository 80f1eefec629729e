// The cluster link: how a member reaches the entities other members own.
// Each member publishes its link on CAF's middleman (BASP) at its
// `--cluster-listen` address and connects to every other member's. A
// command for another member's entity goes registry -> link -> the owner's
// link -> the owner's registry, as bytes: each kind's command and reply are
// encoded with cereal, so no local-only type crosses the wire, and each
// request carries a MAC under a key derived from the cluster's secret, so
// only a member can speak for a caller. Member loss is learnt from the
// remote link's down message (BASP heartbeats notice a frozen peer); a lost
// member is connected again every probe interval.
#pragma once

#include "events/expected.hpp"

#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tillroll {

struct entity_context;

/// (forward, kind, id, message): from the registry, for another member's
/// entity; answered as the entity would answer.
using forward_atom = caf::atom_constant<caf::atom("forward")>;
/// Asks a link what it knows of the members.
using members_atom = caf::atom_constant<caf::atom("members")>;
/// (replicate, member, from, limit): up to `limit` of `member`'s committed
/// events from position `from` on, answered (framed records as
/// events/replica_log.hpp frames them, the member's committed position).
using replicate_atom = caf::atom_constant<caf::atom("replicate")>;

struct forwarding_settings {
  /// Longest wait for another member's answer; longer than any asker's
  /// own timeout (a checkout waits 30 s for its order), so the asker's
  /// timeout, not this one, ends a slow call.
  std::chrono::milliseconds forward_timeout{std::chrono::seconds{35}};
  /// How often a lost member is connected again, and an up one asked
  /// whether it answers.
  std::chrono::milliseconds probe_interval{std::chrono::milliseconds{500}};
  /// Longest wait for a connection or a probe's answer.
  std::chrono::milliseconds probe_timeout{std::chrono::seconds{1}};
  /// Most forwarded requests waiting for an answer at once; more are
  /// refused `overloaded`.
  size_t in_flight_max = 10'000;
  /// Longest wait for another member's events.
  std::chrono::milliseconds replicate_timeout{std::chrono::seconds{5}};
};

/// What a link knows of one member.
struct member_status {
  std::string id;
  /// Its `--cluster-listen` address as the member list gives it.
  std::string address;
  bool up = false;
  /// When it last answered (milliseconds since the epoch); none: never.
  std::optional<int64_t> last_seen_ms;
};

/// Loads the middleman and turns BASP heartbeats on, so a member that
/// stops answering on an open connection is noticed within 2 s. Call on
/// the config before the actor system is made.
void configure_cluster(caf::actor_system_config& config);

/// Bytes of the key that signs forwarded requests.
inline constexpr size_t forward_key_size = 32;

/// Spawns the link of the member `context->cluster` names and stores it in
/// `context->cluster_link`. `mac_key` (`forward_key_size` bytes) is derived
/// from the cluster's secret and is the same on every member.
caf::actor spawn_cluster_link(caf::actor_system& system,
                              entity_context* context, std::string mac_key,
                              forwarding_settings settings = {});

/// Publishes the link at host:port for the other members; the port bound.
expected<uint16_t> publish_cluster_link(caf::actor_system& system,
                                        const caf::actor& link,
                                        const std::string& host, uint16_t port);

/// The link's view of every member, this one included (blocking).
expected<std::vector<member_status>> cluster_members(caf::actor_system& system,
                                                     const caf::actor& link);

/// Stops the link: unpublishes it and ends its connections' proxies.
void stop_cluster_link(caf::actor_system& system, caf::actor& link);

} // namespace tillroll
