// Every event type the log holds, for the decoding harness and its corpus
// writer: each alternative of each family's event variant, families in
// type-id order. Old versions share their type's id, so a version below
// the current one reaches the upcasters.
#pragma once

#include "events/cart_events.hpp"
#include "events/flash_sale_events.hpp"
#include "events/order_events.hpp"
#include "events/payment_events.hpp"
#include "events/product_events.hpp"
#include "events/sku_events.hpp"
#include "events/user_events.hpp"

#include <cstdint>
#include <utility>
#include <variant>
#include <vector>

namespace tillroll::fuzz {

struct event_kind {
  uint32_t type_id = 0;
  /// The current version.
  uint16_t version = 0;
};

template <class Variant> void add_event_kinds(std::vector<event_kind>& out) {
  [&]<size_t... Index>(std::index_sequence<Index...>) {
    (out.push_back({std::variant_alternative_t<Index, Variant>::type_id,
                    std::variant_alternative_t<Index, Variant>::version}),
     ...);
  }
  (std::make_index_sequence<std::variant_size_v<Variant>>{});
}

inline const std::vector<event_kind>& event_kinds() {
  static const auto kinds = [] {
    std::vector<event_kind> out;
    add_event_kinds<sku_event>(out);
    add_event_kinds<product_event>(out);
    add_event_kinds<payment_event>(out);
    add_event_kinds<order_event>(out);
    add_event_kinds<cart_event>(out);
    add_event_kinds<user_event>(out);
    add_event_kinds<flash_sale_event>(out);
    return out;
  }();
  return kinds;
}

/// The first byte of an input in payload mode: the kind's index with the
/// high bit set; envelope mode has it clear.
inline constexpr uint8_t payload_mode = 0x80;

} // namespace tillroll::fuzz
