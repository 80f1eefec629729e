// Helpers for drivers, the part of an entity actor that takes saga steps:
// call another entity through the registry, record a step's outcome as a
// command of this entity, or retry a step that failed for a passing
// reason. Include only from an actor's .cpp (pulls in entity.hpp).
#pragma once

#include "actors/entity.hpp"

#include <chrono>
#include <functional>

namespace tillroll {

/// How long one call of a saga step may take before it is retried.
inline constexpr std::chrono::seconds saga_call_timeout{10};
/// Pause before retrying a step that failed for a passing reason.
inline constexpr std::chrono::milliseconds saga_retry_delay{200};

/// Ends the step: its outcome goes through decide, persist and apply like
/// any command, and the next step follows once it is durable.
template <class Entity>
void saga_finish(entity_actor_type<Entity>* self,
                 typename Entity::command_type command) {
  self->state.step_in_flight = false;
  detail::enqueue<Entity>(self, std::move(command),
                          trace_ids{self->state.stream_id, "saga"},
                          caf::response_promise{});
}

/// The step stays marked in flight until the retry message resets it.
template <class Entity> void saga_retry_later(entity_actor_type<Entity>* self) {
  self->delayed_send(self, saga_retry_delay, step_retry_atom::value);
}

template <class Target, class Self>
void saga_call(
    Self* self, const std::string& id, typename Target::command_type command,
    std::function<void(expected<typename Target::reply_type>)> done) {
  self->request(self->state.context->registry, saga_call_timeout,
                route_atom::value, std::string{Target::kind}, id,
                caf::make_message(std::move(command)))
      .then([done](typename Target::reply_type& reply) { done(reply); },
            [done](caf::error& error) { done(from_caf_error(error)); });
}

/// Codes after which retrying the same call cannot succeed.
inline bool final_code(errc code) {
  return code == errc::out_of_stock || code == errc::not_found ||
         code == errc::invalid_argument || code == errc::wrong_state ||
         code == errc::conflict || code == errc::forbidden ||
         code == errc::delisted || code == errc::currency_mismatch ||
         code == errc::reservation_expired;
}

} // namespace tillroll
