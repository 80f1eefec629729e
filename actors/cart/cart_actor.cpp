#include "actors/cart/cart_actor.hpp"

#include "actors/entity.hpp"

#include <caf/actor_system.hpp>

namespace tillroll {

void add_cart_kind(entity_kinds& kinds) {
  kinds.emplace(std::string{cart_entity::kind},
                [](caf::actor_system& system, entity_context* context,
                   const std::string& id) {
                  return system.spawn(entity_actor<cart_entity>, context, id);
                });
}

} // namespace tillroll
