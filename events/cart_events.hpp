// Every event of a cart's stream (`cart-<user id>`). Adding to a cart
// reserves nothing. Type ids 500-599 belong to carts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace tillroll {

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
  template <class Archive> void serialize(Archive& archive) {
    archive(sku, product_id, quantity, expires_at_us);
  }
};

struct cart_item_removed {
  static constexpr uint32_t type_id = 501;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "cart_item_removed";
  std::string sku;
  int64_t expires_at_us = 0;
  template <class Archive> void serialize(Archive& archive) {
    archive(sku, expires_at_us);
  }
};

/// The cart's checkout was confirmed.
struct cart_cleared {
  static constexpr uint32_t type_id = 502;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "cart_cleared";
  std::string order_id;
  template <class Archive> void serialize(Archive& archive) {
    archive(order_id);
  }
};

/// Untouched for the cart's lifetime.
struct cart_expired {
  static constexpr uint32_t type_id = 503;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "cart_expired";
  template <class Archive> void serialize(Archive&) {}
};

using cart_event =
    std::variant<cart_item_set, cart_item_removed, cart_cleared, cart_expired>;

} // namespace tillroll
