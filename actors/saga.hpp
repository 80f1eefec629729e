// Helpers for drivers, the part of an entity actor that takes saga steps:
// call another entity through the registry, record a step's outcome as a
// command of this entity, or retry a step that failed for a passing
// reason. Include only from an actor's .cpp (pulls in entity.hpp).
#pragma once

#include "actors/entity.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace tillroll {

/// How long one call of a saga step may take before it is retried.
inline constexpr std::chrono::seconds saga_call_timeout{10};
/// Pause before retrying a step that failed for a passing reason.
inline constexpr std::chrono::milliseconds saga_retry_delay{200};

/// What a saga's step writes into the events it causes, its own and
/// other entities': the saga's stream as the correlation, so every event
/// of one checkout shares it, and "<stream>#<sequence>", the saga's last
/// event when the step began, as the causation.
/// (A stream id too long for a trace id gives a cut correlation and no
/// causation: a cut one would name another stream.)
template <class Self> trace_ids saga_trace(Self* self) {
  auto& st = self->state;
  auto causation = st.stream_id + "#" + std::to_string(st.sequence);
  if (causation.size() > trace_id_size_max)
    causation.clear();
  return trace_ids{trace_id_of(st.stream_id), std::move(causation)};
}

/// Ends the step: its outcome goes through decide, persist and apply like
/// any command, and the next step follows once it is durable.
template <class Entity>
void saga_finish(entity_actor_type<Entity>* self,
                 typename Entity::command_type command) {
  self->state.step_in_flight = false;
  detail::enqueue<Entity>(self, std::move(command), saga_trace(self),
                          caf::response_promise{});
}

/// The step stays marked in flight until the retry message resets it.
template <class Entity> void saga_retry_later(entity_actor_type<Entity>* self) {
  self->delayed_send(self, saga_retry_delay, step_retry_atom::value);
}

/// Sends `content` to the entity (kind, id) through `registry`; `done`
/// gets its answer or, past `timeout`, the error. The one way any actor
/// (a saga's driver, the checkout coordinator) calls an entity.
template <class Reply, class Self>
void call_entity(Self* self, const caf::actor& registry, std::string_view kind,
                 const std::string& id, caf::message content,
                 caf::timespan timeout,
                 std::function<void(expected<Reply>)> done) {
  self->request(registry, timeout, route_atom::value, std::string{kind}, id,
                std::move(content))
      .then([done](Reply& reply) { done(reply); },
            [done](caf::error& error) { done(from_caf_error(error)); });
}

template <class Target, class Self>
void saga_call(
    Self* self, const std::string& id, typename Target::command_type command,
    std::function<void(expected<typename Target::reply_type>)> done) {
  call_entity<typename Target::reply_type>(
      self, self->state.context->registry, Target::kind, id,
      caf::make_message(std::move(command), saga_trace(self)),
      saga_call_timeout, std::move(done));
}

/// Fans out: sends `command_of(id)` to the `Target` of every id at once
/// and, once every answer is in, hands `done` the answers in the ids'
/// order. Every "ask each SKU and count the answers" is this one.
template <class Target, class Self>
void call_each(
    Self* self, const caf::actor& registry, const std::vector<std::string>& ids,
    std::function<typename Target::command_type(const std::string&)> command_of,
    caf::timespan timeout,
    std::function<void(std::vector<expected<typename Target::reply_type>>)>
        done,
    std::optional<trace_ids> trace = std::nullopt) {
  using answer = expected<typename Target::reply_type>;
  struct progress {
    size_t waiting = 0;
    std::vector<std::optional<answer>> answers;
  };
  auto tally = std::make_shared<progress>();
  tally->waiting = ids.size();
  tally->answers.resize(ids.size());
  if (ids.empty())
    return done({});
  for (size_t index = 0; index < ids.size(); ++index)
    call_entity<typename Target::reply_type>(
        self, registry, Target::kind, ids[index],
        trace ? caf::make_message(command_of(ids[index]), *trace)
              : caf::make_message(command_of(ids[index])),
        timeout, [tally, index, done](answer reply) {
          tally->answers[index] = std::move(reply);
          if (--tally->waiting > 0)
            return;
          std::vector<answer> answers;
          answers.reserve(tally->answers.size());
          for (auto& each : tally->answers)
            answers.push_back(std::move(*each));
          done(std::move(answers));
        });
}

inline bool final_code(errc code);

/// The ids whose answer is a refusal for good, with the first refusal's
/// code (none when nobody refused).
struct refusals {
  std::vector<std::string> ids;
  errc first = errc::none;
};

/// Which answers end a step for good: `final_code`, or for a step that
/// holds nothing yet also `unsent_or_final`.
using final_test = bool (*)(errc);

/// The refusals for good, or none when a call failed for a passing reason
/// (the step is then to be retried).
template <class Reply>
std::optional<refusals>
refused_for_good(const std::vector<std::string>& ids,
                 const std::vector<expected<Reply>>& answers,
                 final_test is_final) {
  refusals refused;
  for (size_t index = 0; index < ids.size(); ++index) {
    if (answers[index])
      continue;
    auto code = answers[index].error().code;
    if (!is_final(code))
      return std::nullopt;
    if (refused.ids.empty())
      refused.first = code;
    refused.ids.push_back(ids[index]);
  }
  return refused;
}

/// A saga step's fan-out: `command_of(id)` to every id at once. Once every
/// answer is in, `done` gets the ids refused for good; if any call failed
/// for a passing reason, the step is retried later instead.
template <class Target, class Entity>
void saga_call_all(
    entity_actor_type<Entity>* self, const std::vector<std::string>& ids,
    std::function<typename Target::command_type(const std::string&)> command_of,
    std::function<void(refusals)> done, final_test is_final = final_code) {
  call_each<Target>(
      self, self->state.context->registry, ids, std::move(command_of),
      saga_call_timeout,
      [self, ids, done,
       is_final](std::vector<expected<typename Target::reply_type>> answers) {
        auto refused = refused_for_good(ids, answers, is_final);
        if (!refused)
          return saga_retry_later<Entity>(self);
        done(std::move(*refused));
      },
      saga_trace(self));
}

/// Codes after which retrying the same call cannot succeed.
inline bool final_code(errc code) {
  return code == errc::out_of_stock || code == errc::not_found ||
         code == errc::invalid_argument || code == errc::wrong_state ||
         code == errc::conflict || code == errc::forbidden ||
         code == errc::delisted || code == errc::currency_mismatch ||
         code == errc::reservation_expired || code == errc::not_admitted ||
         code == errc::per_user_limit || code == errc::sold_out ||
         code == errc::sale_ended;
}

/// For a step that holds nothing yet (a first hold of stock): also a
/// member that cannot be reached, since `node_unavailable` means the
/// command was never sent (a sent one that got no answer is a `timeout`,
/// and may have been applied). A step that undoes or completes what is
/// held waits for the member instead: giving up would strand its stock.
inline bool unsent_or_final(errc code) {
  return final_code(code) || code == errc::node_unavailable;
}

} // namespace tillroll
