// The per-node entity registry: exactly one live actor per (kind, id). It
// spawns entities on demand, forwards messages to them (the reply goes
// straight to the requester), holds messages for an entity while it is
// retiring and hands them to its successor, and wakes passivated entities
// whose timers come due, also after a restart.
#pragma once

#include "actors/entity_context.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

namespace tillroll {

/// Spawns the actor of one entity kind for an id.
using entity_spawner = std::function<caf::actor(
    caf::actor_system& system, entity_context* context, const std::string& id)>;

/// Entity kinds by name ("sku", "cart", ...).
using entity_kinds = std::unordered_map<std::string, entity_spawner>;

struct registry_settings {
  /// Most messages held for one retiring entity.
  size_t retiring_messages_max = 10'000;
  /// Most timers read from the due index at once; a backlog of overdue
  /// timers (after a long stop) is read page after page.
  size_t timers_page_max = 10'000;
  /// How far ahead the registry schedules wake-ups: a timer further out is
  /// read from the due index when it comes this close, so memory follows
  /// the timers due soon, not all there are.
  std::chrono::milliseconds timers_lookahead{std::chrono::minutes{1}};
  /// Most unfinished entities (sagas mid-way) woken at once after a start;
  /// the rest follow, a page every `resumes_page_interval`. A cap of its
  /// own: no number of timers delays a saga's resumption.
  size_t resumes_page_max = 10'000;
  std::chrono::milliseconds resumes_page_interval{std::chrono::seconds{1}};
};

/// Spawns the registry and stores its handle in `context->registry` before
/// it starts (it loads the timer and resume indexes as it starts). The
/// registry must be stopped with `shutdown_atom` (it retires every entity)
/// before the actor system is destroyed.
caf::actor spawn_entity_registry(caf::actor_system& system,
                                 entity_context* context,
                                 std::shared_ptr<const entity_kinds> kinds,
                                 registry_settings settings = {});

} // namespace tillroll
