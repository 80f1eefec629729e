// A buyer's cart as a decider: lines of SKUs with quantities, no prices
// (those are read from the SKUs when the cart is shown or checked out:
// `price_cart`), an expiry when untouched, and a clearing when its
// checkout is confirmed.
#pragma once

#include "actors/sku/sku_state.hpp"
#include "events/cart_events.hpp"
#include "events/envelope.hpp"
#include "events/expected.hpp"
#include "events/order_events.hpp"

#include <boost/describe/class.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace tillroll {

inline constexpr int64_t cart_line_quantity_max = 100;
inline constexpr size_t cart_lines_max = 100;
inline constexpr size_t sku_size_max = 128;
inline constexpr std::chrono::hours cart_ttl_default{24 * 30};
/// How many confirmed orders a cart remembers having been cleared by: a
/// saga retries its clearing at once, long before a buyer confirms this
/// many more orders, and the memory stays bounded.
inline constexpr size_t cart_cleared_orders_max = 32;

struct cart_line {
  std::string product_id;
  int64_t quantity = 0;
  template <class Archive> void serialize(Archive& archive) {
    archive(product_id, quantity);
  }
};
BOOST_DESCRIBE_STRUCT(cart_line, (), (product_id, quantity))

struct cart_state {
  std::map<std::string, cart_line> lines;
  int64_t expires_at_us = 0;
  /// The latest orders whose confirmation cleared the cart, oldest first,
  /// so a repeat clears nothing.
  std::deque<std::string> cleared_by;
  template <class Archive> void serialize(Archive& archive) {
    archive(lines, expires_at_us, cleared_by);
  }
};
BOOST_DESCRIBE_STRUCT(cart_state, (), (lines, expires_at_us, cleared_by))

/// Sets a line; quantity 0 removes it. The caller checked the SKU exists.
struct set_cart_item {
  std::string sku;
  std::string product_id;
  int64_t quantity = 0;
  std::chrono::microseconds ttl = cart_ttl_default;
};
struct remove_cart_item {
  std::string sku;
  std::chrono::microseconds ttl = cart_ttl_default;
};
/// What a confirmed order bought leaves the cart.
struct clear_cart {
  std::string order_id;
  std::vector<cart_bought_line> bought;
};
/// Issued by the cart's timer.
struct expire_cart {};
struct get_cart {};

using cart_command = std::variant<set_cart_item, remove_cart_item, clear_cart,
                                  expire_cart, get_cart>;

struct cart_view_line {
  std::string sku;
  std::string product_id;
  int64_t quantity = 0;
};

struct cart_view {
  std::vector<cart_view_line> lines;
  int64_t expires_at_us = 0;
};

struct priced_cart_line {
  std::string sku;
  std::string product_id;
  int64_t quantity = 0;
  int64_t unit_price_cents = 0;
  int64_t line_total_cents = 0;
};

/// A cart with the SKUs' prices at the time it is read.
struct priced_cart {
  std::vector<priced_cart_line> lines;
  int64_t subtotal_cents = 0;
  std::string currency;
  int64_t expires_at_us = 0;
};

/// The cart at the prices of `skus`, each line's SKU as read (in the
/// cart's line order); a line whose SKU could not be read is left out.
priced_cart price_cart(const cart_view& cart,
                       const std::vector<expected<sku_view>>& skus);

/// A buyer's change of the line of `sku_id`, checked against that SKU as
/// read: a delisted SKU is not added (it may still be removed).
[[nodiscard]] expected<set_cart_item>
cart_item_change(const std::string& sku_id, int64_t quantity,
                 const sku_view& sku);

/// A cart holds one currency: `sku_id`, sold in `currency`, joins a cart
/// whose other lines are sold in `held_currency` only if they agree.
[[nodiscard]] expected<void>
same_cart_currency(const std::string& sku_id, const std::string& currency,
                   const std::string& held_currency);

/// What a confirmed order's lines take out of its buyer's cart.
clear_cart clear_cart_of(std::string order_id,
                         const std::vector<order_line>& lines);

[[nodiscard]] expected<std::vector<cart_event>>
decide(const cart_state& state, const cart_command& command, timestamp now);
void apply_event(cart_state& state, const cart_event& event);

struct cart_entity {
  static constexpr std::string_view kind = "cart";
  // 2: a bounded list of the orders that cleared it.
  static constexpr uint16_t snapshot_version = 2;
  using state_type = cart_state;
  using event_type = cart_event;
  using command_type = cart_command;
  using reply_type = cart_view;

  static cart_view reply(const cart_state& state, const cart_command&);
  static std::optional<timestamp> next_deadline(const cart_state& state);
  static std::optional<cart_command> on_deadline(const cart_state& state,
                                                 timestamp now);
};

} // namespace tillroll
