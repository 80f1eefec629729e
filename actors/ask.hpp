// Blocking request to an entity through the registry, for code outside the
// actor world: the command line, tests, benchmarks.
#pragma once

#include "actors/caf_error.hpp"
#include "actors/messages.hpp"
#include "events/expected.hpp"

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace tillroll {

template <class Entity>
expected<typename Entity::reply_type>
ask(caf::scoped_actor& self, const caf::actor& registry, const std::string& id,
    typename Entity::command_type command,
    std::chrono::milliseconds timeout = std::chrono::seconds{30}) {
  std::optional<expected<typename Entity::reply_type>> outcome;
  self->request(registry, timeout, route_atom::value, std::string{Entity::kind},
                id, caf::make_message(std::move(command)))
      .receive(
          [&](typename Entity::reply_type& reply) {
            outcome.emplace(std::move(reply));
          },
          [&](caf::error& error) { outcome.emplace(from_caf_error(error)); });
  return std::move(*outcome);
}

} // namespace tillroll
