// The atoms and message types that entity actors and their registry
// exchange on one node. Domain types travel as local-only messages.
#pragma once

#include "events/expected.hpp"
#include "events/journal.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

namespace tillroll {

/// (route, kind, id, message): deliver to the entity, spawning it.
using route_atom = caf::atom_constant<caf::atom("route")>;
/// The journal's answer to an entity's append.
using persisted_atom = caf::atom_constant<caf::atom("persisted")>;
/// A timer of an entity is due.
using wake_atom = caf::atom_constant<caf::atom("wake")>;
/// An idle entity asks the registry to retire it.
using passivate_atom = caf::atom_constant<caf::atom("passivate")>;
/// The registry tells an entity to snapshot and stop.
using retire_atom = caf::atom_constant<caf::atom("retire")>;
/// Asks the registry how many entities are live.
using live_atom = caf::atom_constant<caf::atom("live")>;
/// Waits until the entity's outcome is ready (e.g. a checkout's order
/// left payment), then answers with its view.
using await_atom = caf::atom_constant<caf::atom("await")>;
/// A saga step failed for a passing reason: try it again.
using step_retry_atom = caf::atom_constant<caf::atom("stepretry")>;
/// Stops every entity (snapshotting each), then the registry.
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;

struct append_outcome {
  expected<append_receipt> receipt;
  /// The stream's last sequence the append would have left: which batch
  /// of the entity this answers.
  uint64_t planned_last_sequence = 0;
};

} // namespace tillroll

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::append_outcome)
