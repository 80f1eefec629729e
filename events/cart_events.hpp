// Every event of a cart's stream (`cart-<user id>`). Adding to a cart
// reserves nothing. Type ids 500-599 belong to carts.
#pragma once

#include "events/described.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tillroll {

class upcaster_registry;

/// A line set to a quantity (added or changed).
struct cart_item_set {
  static constexpr uint32_t type_id = 500;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "cart_item_set";
  std::string sku;
  std::string product_id;
  int64_t quantity = 0;
  /// When the untouched cart expires.
  int64_t expires_at_us = 0;
};
BOOST_DESCRIBE_STRUCT(cart_item_set, (),
                      (sku, product_id, quantity, expires_at_us))

struct cart_item_removed {
  static constexpr uint32_t type_id = 501;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "cart_item_removed";
  std::string sku;
  int64_t expires_at_us = 0;
};
BOOST_DESCRIBE_STRUCT(cart_item_removed, (), (sku, expires_at_us))

/// Version 1, when a confirmed checkout emptied the whole cart.
struct cart_cleared_v1 {
  static constexpr uint32_t type_id = 502;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "cart_cleared";
  std::string order_id;
};
BOOST_DESCRIBE_STRUCT(cart_cleared_v1, (), (order_id))

struct cart_bought_line {
  std::string sku;
  int64_t quantity = 0;
};
BOOST_DESCRIBE_STRUCT(cart_bought_line, (), (sku, quantity))

/// The cart's checkout was confirmed: what it bought leaves the cart, and
/// lines added since stay. `whole`: every line leaves (version 1).
struct cart_cleared {
  static constexpr uint32_t type_id = 502;
  static constexpr uint16_t version = 2;
  static constexpr std::string_view name = "cart_cleared";
  std::string order_id;
  std::vector<cart_bought_line> bought;
  bool whole = false;
};
BOOST_DESCRIBE_STRUCT(cart_cleared, (), (order_id, bought, whole))

/// Untouched for the cart's lifetime.
struct cart_expired {
  static constexpr uint32_t type_id = 503;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "cart_expired";
};
BOOST_DESCRIBE_STRUCT(cart_expired, (), ())

using cart_event =
    std::variant<cart_item_set, cart_item_removed, cart_cleared, cart_expired>;

/// cart_cleared v1 -> v2: the whole cart.
void register_cart_upcasters(upcaster_registry& registry);

} // namespace tillroll
