#include "actors/user/user_actor.hpp"

#include "actors/entity.hpp"

#include <caf/actor_system.hpp>

namespace tillroll {

void add_user_kind(entity_kinds& kinds) {
  kinds.emplace(std::string{user_entity::kind},
                [](caf::actor_system& system, entity_context* context,
                   const std::string& id) {
                  return system.spawn(entity_actor<user_entity>, context, id);
                });
}

} // namespace tillroll
