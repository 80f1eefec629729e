#include "events/cart_events.hpp"

#include "events/codec.hpp"

namespace tillroll {

void register_cart_upcasters(upcaster_registry& registry) {
  registry.add_step<cart_cleared_v1, cart_cleared>([](cart_cleared_v1 old) {
    return cart_cleared{old.order_id, {}, true};
  });
}

} // namespace tillroll
