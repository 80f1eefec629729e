// Helpers for drivers, the part of an entity actor that takes saga steps:
// call another entity through the registry, record a step's outcome as a
// command of this entity, or retry a step that failed for a passing
// reason. Include only from an actor's .cpp (pulls in entity.hpp).
#pragma once

#include "actors/entity.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

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

inline bool final_code(errc code);

/// Sends `command_of(id)` to every id at once. Once every answer is in,
/// `done` gets the ids refused for good; if any call failed for a passing
/// reason, the step is retried later instead.
template <class Target, class Entity>
void saga_call_all(
    entity_actor_type<Entity>* self, const std::vector<std::string>& ids,
    std::function<typename Target::command_type(const std::string&)> command_of,
    std::function<void(std::vector<std::string>)> done) {
  struct progress {
    size_t waiting = 0;
    bool passing_failure = false;
    std::vector<std::string> refused;
  };
  auto tally = std::make_shared<progress>();
  tally->waiting = ids.size();
  for (auto& id : ids)
    saga_call<Target>(
        self, id, command_of(id),
        [self, tally, id, done](expected<typename Target::reply_type> answer) {
          if (!answer) {
            if (final_code(answer.error().code))
              tally->refused.push_back(id);
            else
              tally->passing_failure = true;
          }
          if (--tally->waiting > 0)
            return;
          if (tally->passing_failure)
            return saga_retry_later<Entity>(self);
          done(std::move(tally->refused));
        });
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
