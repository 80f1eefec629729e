#include "actors/sku/sku_json.hpp"

#include "events/codec.hpp"
#include "events/described_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace tillroll {

namespace json = boost::json;

json::value to_json(const sku_event& event) {
  // The type first, then the event's fields in the order of its list.
  json::object out;
  out["type"] = event_name(event);
  std::visit(
      [&](const auto& alternative) {
        auto fields = json::value_from(alternative);
        for (auto& field : fields.as_object())
          out.emplace(field.key(), std::move(field.value()));
      },
      event);
  return out;
}

json::value to_json(const sku_state& state) {
  json::object out;
  out["registered"] = state.registered;
  out["product_id"] = state.product_id;
  out["seller_id"] = state.seller_id;
  out["received"] = state.received;
  out["sold"] = state.sold;
  out["reserved"] = state.reserved;
  out["available"] = state.available();
  out["set_aside"] = state.set_aside;
  out["price_cents"] = state.price_cents;
  out["currency"] = state.currency;
  out["withdrawn"] = state.withdrawn;
  out["clock_us"] = state.clock_us;
  json::object reservations;
  for (auto& [order_id, reservation] : state.reservations)
    reservations[order_id] =
        json::object{{"quantity", reservation.quantity},
                     {"expires_at_us", reservation.expires_at_us}};
  out["reservations"] = std::move(reservations);
  out["confirmed_orders"] = state.confirmed_orders.size();
  out["ended_orders"] = state.ended_orders.size();
  out["stock_change_keys"] = state.stock_change_keys.size();
  return out;
}

json::value to_json(const sku_view& view) {
  json::object out;
  out["product_id"] = view.product_id;
  out["seller_id"] = view.seller_id;
  out["received"] = view.received;
  out["sold"] = view.sold;
  out["reserved"] = view.reserved;
  out["available"] = view.available;
  out["set_aside"] = view.set_aside;
  out["price_cents"] = view.price_cents;
  out["currency"] = view.currency;
  if (view.reservation_expires_at_us)
    out["reservation_expires_at_us"] = *view.reservation_expires_at_us;
  return out;
}

} // namespace tillroll
