#include "actors/sku/sku_json.hpp"

#include "events/codec.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace tillroll {

namespace json = boost::json;

namespace {

struct event_fields {
  json::object& out;
  void operator()(const sku_registered& event) {
    out["product_id"] = event.product_id;
    out["seller_id"] = event.seller_id;
    out["price_cents"] = event.price_cents;
    out["currency"] = event.currency;
  }
  void operator()(const stock_received& event) {
    out["quantity"] = event.quantity;
  }
  void operator()(const stock_removed& event) {
    out["quantity"] = event.quantity;
  }
  void operator()(const price_set& event) {
    out["price_cents"] = event.price_cents;
    out["currency"] = event.currency;
  }
  void operator()(const stock_reserved& event) {
    out["order_id"] = event.order_id;
    out["quantity"] = event.quantity;
    out["expires_at_us"] = event.expires_at_us;
  }
  void operator()(const reservation_confirmed& event) {
    out["order_id"] = event.order_id;
  }
  void operator()(const reservation_released& event) {
    out["order_id"] = event.order_id;
  }
  void operator()(const reservation_expired& event) {
    out["order_id"] = event.order_id;
  }
  void operator()(const sale_returned& event) {
    out["order_id"] = event.order_id;
    out["quantity"] = event.quantity;
    out["at_us"] = event.at_us;
  }
  void operator()(const reservation_extended& event) {
    out["order_id"] = event.order_id;
    out["expires_at_us"] = event.expires_at_us;
  }
  void operator()(const sku_withdrawn&) {}
  void operator()(const stock_change_keyed& event) {
    out["idempotency_key"] = event.idempotency_key;
    out["delta"] = event.delta;
    out["at_us"] = event.at_us;
  }
};

} // namespace

json::value to_json(const sku_event& event) {
  json::object out;
  out["type"] = event_name(event);
  std::visit(event_fields{out}, event);
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
  out["price_cents"] = view.price_cents;
  out["currency"] = view.currency;
  if (view.reservation_expires_at_us)
    out["reservation_expires_at_us"] = *view.reservation_expires_at_us;
  return out;
}

} // namespace tillroll
