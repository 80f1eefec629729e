#include "events/sku_events.hpp"

#include "events/codec.hpp"

namespace tillroll {

void register_sku_upcasters(upcaster_registry& registry) {
  registry.add_step<price_set_v1, price_set>([](price_set_v1 old) {
    return price_set{old.price_cents, "USD"};
  });
  registry.add_step<sale_returned_v1, sale_returned>(
      [](sale_returned_v1 old) {
        return sale_returned{std::move(old.order_id), old.quantity, 0};
      });
}

} // namespace tillroll
