#include "events/upcaster.hpp"

#include "events/cart_events.hpp"
#include "events/order_events.hpp"
#include "events/sku_events.hpp"

namespace tillroll {

void upcaster_registry::add(uint32_t type_id, uint16_t from_version,
                            upcaster step) {
  steps_[{type_id, from_version}] = std::move(step);
}

expected<std::string> upcaster_registry::upcast(uint32_t type_id,
                                                uint16_t from_version,
                                                uint16_t to_version,
                                                std::string payload) const {
  for (auto version = from_version; version < to_version; ++version) {
    auto step = steps_.find({type_id, version});
    if (step == steps_.end())
      return make_failure(errc::corrupt_record, "no upcaster for event type " +
                                                    std::to_string(type_id) +
                                                    " version " +
                                                    std::to_string(version));
    auto next = step->second(payload);
    if (!next)
      return next;
    payload = std::move(*next);
  }
  return payload;
}

const upcaster_registry& upcasters() {
  static const upcaster_registry registry = [] {
    upcaster_registry result;
    register_sku_upcasters(result);
    register_order_upcasters(result);
    register_cart_upcasters(result);
    return result;
  }();
  return registry;
}

} // namespace tillroll
