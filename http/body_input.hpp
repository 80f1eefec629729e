// The bodies of the routes that take more than a field or two, read into
// domain values with no actor in sight: the routes and the fuzz harness
// read them with the same functions. Each checks the body against its
// schema first (the one /openapi.json prints), then reads the fields.
#pragma once

#include "actors/order/order_state.hpp"
#include "events/expected.hpp"
#include "events/product_events.hpp"
#include "http/schema.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace tillroll {

/// Most bytes of a flash sale ticket: its number, a dot, 32 hex digits.
inline constexpr size_t flash_sale_ticket_size_max = 64;
/// Most bytes of a checkout's payment token.
inline constexpr size_t payment_token_size_max = 128;

const schema& product_listing_schema();
const schema& product_changes_schema();
const schema& checkout_schema();

/// POST /v1/products: the listing, without its seller (the caller).
[[nodiscard]] expected<product_listed>
product_listing_body(const boost::json::object& body);

struct product_changes {
  /// Fields left out of the body stay unset.
  product_changed listing;
  /// Variants whose price changes: sku, price_cents and currency only.
  std::vector<product_variant> prices;
};

/// PATCH /v1/products/{id}. A body that changes nothing is not refused
/// here; the route answers it.
[[nodiscard]] expected<product_changes>
product_changes_body(const boost::json::object& body);

struct checkout_body {
  std::string payment_token;
  /// The shipping address object, serialized (at most
  /// `shipping_address_size_max` bytes).
  std::string shipping_address;
  /// Lines bought straight from a product page; empty to buy the cart.
  std::vector<checkout_line> lines;
  /// A flash sale's id and the caller's ticket; empty for none.
  std::string flash_sale_id;
  std::string flash_sale_ticket;
};

/// POST /v1/checkout.
[[nodiscard]] expected<checkout_body>
checkout_body_of(const boost::json::object& body);

} // namespace tillroll
