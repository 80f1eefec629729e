// Checkout: turns a buyer's lines into an order with the prices of the
// moment, keyed by the checkout's idempotency key, and answers once the
// saga has settled it (paid and sold, or cancelled with its stock back).
#pragma once

#include "actors/cart/cart_state.hpp"
#include "actors/entity_context.hpp"
#include "actors/order/order_state.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include <string>
#include <vector>

namespace tillroll {

/// Longest checkout idempotency key; letters, digits, '-' and '_'.
inline constexpr size_t checkout_key_size_max = 64;

/// A checkout's Idempotency-Key: 1 to `checkout_key_size_max` letters,
/// digits, '-' and '_' (it is part of the order id).
bool valid_checkout_key(std::string_view key);

struct checkout_request {
  std::string buyer_id;
  std::string idempotency_key;
  std::vector<checkout_line> lines;
  std::string payment_token;
  std::string shipping_address;
  /// Set by the coordinator when it takes the lines from the cart.
  bool from_cart = false;
  /// A flash sale's checkout: its id and the buyer's admitted ticket.
  std::string flash_sale_id;
  std::string flash_sale_ticket;
  /// The checkout queue's: place the order queued, waiting its turn at
  /// most this long, and answer once it is placed.
  std::optional<std::chrono::microseconds> queue_for;
};

/// Sets a line of the buyer's cart after checking the SKU exists; quantity
/// 0 removes the line.
struct cart_item_request {
  std::string buyer_id;
  std::string sku;
  int64_t quantity = 0;
};

struct cart_read_request {
  std::string buyer_id;
};

/// Handles (checkout_request) -> order_view, with `order_id` set (a
/// request without lines checks out the buyer's cart), and
/// (cart_item_request) or (cart_read_request) -> priced_cart.
caf::actor spawn_checkout(caf::actor_system& system, entity_context* context);

} // namespace tillroll

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::checkout_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::cart_item_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::cart_read_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::priced_cart)
