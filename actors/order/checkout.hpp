// Checkout: turns a buyer's lines into an order with the prices of the
// moment, keyed by the checkout's idempotency key, and answers once the
// saga has settled it (paid and sold, or cancelled with its stock back).
#pragma once

#include "actors/entity_context.hpp"
#include "actors/order/order_state.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include <string>
#include <vector>

namespace tillroll {

/// Longest checkout idempotency key; letters, digits, '-' and '_'.
inline constexpr size_t checkout_key_size_max = 64;

struct checkout_line {
  std::string sku;
  int64_t quantity = 0;
};

struct checkout_request {
  std::string buyer_id;
  std::string idempotency_key;
  std::vector<checkout_line> lines;
  std::string payment_token;
  std::string shipping_address;
};

/// Handles (checkout_request) -> order_view, with `order_id` set.
caf::actor spawn_checkout(caf::actor_system& system, entity_context* context);

} // namespace tillroll

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::checkout_request)
