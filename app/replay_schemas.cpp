// The schemas of what the replay renders, from the field lists it renders
// with; the SKU's state, which sku_json.cpp renders by hand (it
// summarizes its order sets), is described here beside that.
#include "actors/entity_kinds.hpp"
#include "actors/flash_sale/flash_sale_json.hpp"
#include "actors/sku/sku_json.hpp"
#include "app/described_schema.hpp"
#include "app/replay.hpp"

namespace tillroll {

namespace {

/// actors/sku/sku_json.cpp's to_json(const sku_state&).
schema sku_state_schema() {
  auto count = schema::integer(0);
  return schema::object(
      {required("registered", schema::boolean()),
       required("product_id", schema::text()),
       required("seller_id", schema::text()),
       required("received", schema::integer()),
       required("sold", schema::integer()), required("reserved", count),
       required("available", schema::integer()),
       required("set_aside", count.about("units handed to flash sales")),
       required("price_cents", schema::integer()),
       required("currency", schema::text()),
       required("withdrawn", schema::boolean()),
       required("clock_us", schema::integer()),
       required("reservations",
                schema::map(schema::object(
                                {required("quantity", count),
                                 required("expires_at_us", schema::integer())}))
                    .about("open holds by order id")),
       required("confirmed_orders", count.about("orders remembered")),
       required("ended_orders", count), required("stock_change_keys", count)});
}

/// actors/flash_sale/flash_sale_json.cpp's to_json(const
/// flash_sale_state&).
schema flash_sale_state_schema() {
  auto count = schema::integer(0);
  std::vector<property> fields;
  for (auto* name :
       {"status", "sale_id", "sku", "currency", "shuffle_commitment"})
    fields.push_back(required(name, schema::text()));
  for (auto* name :
       {"quantity", "price_cents", "starts_at_us", "ends_at_us",
        "per_user_limit", "admit_per_second", "admission_ttl_s", "tickets",
        "waiting", "admitted", "admitted_total", "units_kept", "remaining",
        "held", "sold", "buyers_with_units", "given_back",
        "given_back_acknowledged"})
    fields.push_back(required(name, count));
  return schema::object(std::move(fields));
}

template <class State> schema state_schema_of() {
  if constexpr (std::is_same_v<State, sku_state>) {
    return sku_state_schema();
  } else if constexpr (std::is_same_v<State, flash_sale_state>) {
    return flash_sale_state_schema();
  } else {
    static_assert(
        !requires(const State& state) { to_json(state); },
        "a state rendered by hand needs its schema here");
    return described_schema<State>();
  }
}

} // namespace

schema replayed_event_schema() {
  std::vector<schema> events;
  for_each_entity_kind([&](const auto& kind) {
    using entity = typename std::decay_t<decltype(kind)>::entity_type;
    for (auto& event : event_schemas<typename entity::event_type>(kind.name))
      events.push_back(event);
  });
  return schema::any_of(std::move(events))
      .about("the event's fields, and its type name in type");
}

schema replayed_state_schema() {
  std::vector<schema> states;
  for_each_entity_kind([&](const auto& kind) {
    using entity = typename std::decay_t<decltype(kind)>::entity_type;
    states.push_back(
        schema::named(std::string{kind.name} + "_state",
                      state_schema_of<typename entity::state_type>()));
  });
  return schema::any_of(std::move(states))
      .about("the entity's state, field by field");
}

} // namespace tillroll
