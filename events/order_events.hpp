// Every event of an order's stream (`order-<id>`): the checkout saga's log.
// Each step is persisted before the next is taken, so a crash anywhere
// resumes or compensates from here. Type ids 400-499 belong to orders.
#pragma once

#include "events/described.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tillroll {

class upcaster_registry;

struct order_line {
  std::string sku;
  std::string product_id;
  std::string seller_id;
  int64_t quantity = 0;
  /// Captured at placement; later price changes do not touch the order.
  int64_t unit_price_cents = 0;
};
BOOST_DESCRIBE_STRUCT(order_line, (),
                      (sku, product_id, seller_id, quantity, unit_price_cents))

/// Version 1, before orders knew whether their lines came from the cart
/// (every order cleared the cart then).
struct order_placed_v1 {
  static constexpr uint32_t type_id = 400;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_placed";
  std::string buyer_id;
  std::string checkout_key;
  std::vector<order_line> lines;
  std::string currency;
  int64_t total_cents = 0;
  std::string payment_token;
  std::string shipping_address;
};
BOOST_DESCRIBE_STRUCT(order_placed_v1, (),
                      (buyer_id, checkout_key, lines, currency, total_cents,
                       payment_token, shipping_address))

struct order_placed {
  static constexpr uint32_t type_id = 400;
  static constexpr uint16_t version = 2;
  static constexpr std::string_view name = "order_placed";
  std::string buyer_id;
  std::string checkout_key;
  std::vector<order_line> lines;
  std::string currency;
  int64_t total_cents = 0;
  std::string payment_token;
  std::string shipping_address;
  /// The lines are the buyer's cart, which the saga clears once paid; a
  /// "buy now" of given items leaves the cart alone.
  bool from_cart = true;
};
BOOST_DESCRIBE_STRUCT(order_placed, (),
                      (buyer_id, checkout_key, lines, currency, total_cents,
                       payment_token, shipping_address, from_cart))

/// Every line's stock is held for the order.
/// Version 1, before the event said how long the holds were made for.
struct order_stock_reserved_v1 {
  static constexpr uint32_t type_id = 401;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_stock_reserved";
};
BOOST_DESCRIBE_STRUCT(order_stock_reserved_v1, (), ())

struct order_stock_reserved {
  static constexpr uint32_t type_id = 401;
  static constexpr uint16_t version = 2;
  static constexpr std::string_view name = "order_stock_reserved";
  /// The TTL every hold was asked for. Each hold was made after the order
  /// was placed, so it lasts at least until placement plus this; 0 (a log
  /// of version 1) says nothing, and every charge extends the holds.
  int64_t hold_ttl_us = 0;
};
BOOST_DESCRIBE_STRUCT(order_stock_reserved, (), (hold_ttl_us))

struct order_cancelled {
  static constexpr uint32_t type_id = 402;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_cancelled";
  /// out_of_stock, payment_declined, requested
  std::string reason;
  std::vector<std::string> short_skus;
};
BOOST_DESCRIBE_STRUCT(order_cancelled, (), (reason, short_skus))

/// The charge is about to be sent to the PSP: after a crash from here on,
/// the saga asks the PSP for the status instead of charging again.
struct order_payment_started {
  static constexpr uint32_t type_id = 403;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_payment_started";
  std::string payment_id;
};
BOOST_DESCRIBE_STRUCT(order_payment_started, (), (payment_id))

struct order_payment_captured {
  static constexpr uint32_t type_id = 404;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_payment_captured";
  std::string psp_reference;
};
BOOST_DESCRIBE_STRUCT(order_payment_captured, (), (psp_reference))

/// The PSP gave no final answer: ask again at the given time.
struct order_payment_check_scheduled {
  static constexpr uint32_t type_id = 405;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_payment_check_scheduled";
  int64_t check_at_us = 0;
  /// Retry the charge (a transient failure) rather than ask its status.
  bool retry_charge = false;
};
BOOST_DESCRIBE_STRUCT(order_payment_check_scheduled, (),
                      (check_at_us, retry_charge))

/// The held stock became sales.
struct order_stock_confirmed {
  static constexpr uint32_t type_id = 406;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_stock_confirmed";
};
BOOST_DESCRIBE_STRUCT(order_stock_confirmed, (), ())

/// Held stock went back (cancellation before confirmation).
struct order_stock_released {
  static constexpr uint32_t type_id = 407;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_stock_released";
};
BOOST_DESCRIBE_STRUCT(order_stock_released, (), ())

/// Sold stock went back (cancellation after confirmation).
struct order_stock_returned {
  static constexpr uint32_t type_id = 408;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_stock_returned";
};
BOOST_DESCRIBE_STRUCT(order_stock_returned, (), ())

struct order_fulfillment_started {
  static constexpr uint32_t type_id = 409;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_fulfillment_started";
};
BOOST_DESCRIBE_STRUCT(order_fulfillment_started, (), ())

struct order_shipped {
  static constexpr uint32_t type_id = 410;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_shipped";
};
BOOST_DESCRIBE_STRUCT(order_shipped, (), ())

struct order_delivered {
  static constexpr uint32_t type_id = 411;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_delivered";
};
BOOST_DESCRIBE_STRUCT(order_delivered, (), ())

/// Version 1, before refunds carried the admin's idempotency key.
struct order_refund_requested_v1 {
  static constexpr uint32_t type_id = 412;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_refund_requested";
  std::string refund_id;
  int64_t amount_cents = 0;
};
BOOST_DESCRIBE_STRUCT(order_refund_requested_v1, (), (refund_id, amount_cents))

struct order_refund_requested {
  static constexpr uint32_t type_id = 412;
  static constexpr uint16_t version = 2;
  static constexpr std::string_view name = "order_refund_requested";
  std::string refund_id;
  int64_t amount_cents = 0;
  /// The refund request's Idempotency-Key; empty for the refunds a
  /// cancellation makes.
  std::string idempotency_key;
};
BOOST_DESCRIBE_STRUCT(order_refund_requested, (),
                      (refund_id, amount_cents, idempotency_key))

struct order_refunded {
  static constexpr uint32_t type_id = 413;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_refunded";
  std::string refund_id;
  int64_t amount_cents = 0;
};
BOOST_DESCRIBE_STRUCT(order_refunded, (), (refund_id, amount_cents))

/// The order's status changed; the notifier delivers it to the buyer.
struct order_notification {
  static constexpr uint32_t type_id = 414;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_notification";
  std::string status;
  std::string buyer_id;
  int64_t at_us = 0;
};
BOOST_DESCRIBE_STRUCT(order_notification, (), (status, buyer_id, at_us))

/// Some lines shipped: those of one seller, or every line left (admin).
/// The order is `shipped` (order_shipped) once every line is.
struct order_lines_shipped {
  static constexpr uint32_t type_id = 415;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_lines_shipped";
  std::vector<std::string> skus;
};
BOOST_DESCRIBE_STRUCT(order_lines_shipped, (), (skus))

struct order_lines_delivered {
  static constexpr uint32_t type_id = 416;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_lines_delivered";
  std::vector<std::string> skus;
};
BOOST_DESCRIBE_STRUCT(order_lines_delivered, (), (skus))

/// The PSP refused a refund: it is tried again at `retry_at_us` (0: now).
struct order_refund_retry_scheduled {
  static constexpr uint32_t type_id = 417;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_refund_retry_scheduled";
  std::string refund_id;
  std::string reason;
  uint32_t attempts = 0;
  int64_t retry_at_us = 0;
};
BOOST_DESCRIBE_STRUCT(order_refund_retry_scheduled, (),
                      (refund_id, reason, attempts, retry_at_us))

/// The PSP refused a refund too often: it waits for an operator.
struct order_refund_parked {
  static constexpr uint32_t type_id = 418;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_refund_parked";
  std::string refund_id;
  std::string reason;
};
BOOST_DESCRIBE_STRUCT(order_refund_parked, (), (refund_id, reason))

/// An operator sent the parked refunds to the PSP again.
struct order_refunds_unparked {
  static constexpr uint32_t type_id = 419;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_refunds_unparked";
};
BOOST_DESCRIBE_STRUCT(order_refunds_unparked, (), ())

/// Paid, but the holds of some lines had ended: only `sold_skus` became
/// sales. The order is cancelled with it; the sold lines go back.
struct order_stock_partly_confirmed {
  static constexpr uint32_t type_id = 420;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_stock_partly_confirmed";
  std::vector<std::string> sold_skus;
};
BOOST_DESCRIBE_STRUCT(order_stock_partly_confirmed, (), (sold_skus))

/// The order buys from a flash sale's allocation, at its price, with the
/// buyer's admitted ticket: written in the same append as order_placed.
/// Its stock steps go to the sale (`flash_sale-<sale_id>`), not the SKU.
struct order_flash_sale_joined {
  static constexpr uint32_t type_id = 421;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_flash_sale_joined";
  std::string sale_id;
  std::string ticket;
};
BOOST_DESCRIBE_STRUCT(order_flash_sale_joined, (), (sale_id, ticket))

/// The node was past the checkouts it runs at once: the order waits its
/// turn, its saga not started, until the checkout queue admits it or
/// `until_us` passes (after a restart nobody else admits it). Written in
/// the same append as order_placed.
struct order_queued {
  static constexpr uint32_t type_id = 422;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_queued";
  int64_t until_us = 0;
};
BOOST_DESCRIBE_STRUCT(order_queued, (), (until_us))

/// The queued order's turn came: its saga starts.
struct order_dequeued {
  static constexpr uint32_t type_id = 423;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "order_dequeued";
};
BOOST_DESCRIBE_STRUCT(order_dequeued, (), ())

using order_event = std::variant<
    order_placed, order_stock_reserved, order_cancelled, order_payment_started,
    order_payment_captured, order_payment_check_scheduled,
    order_stock_confirmed, order_stock_released, order_stock_returned,
    order_fulfillment_started, order_shipped, order_delivered,
    order_refund_requested, order_refunded, order_notification,
    order_lines_shipped, order_lines_delivered, order_refund_retry_scheduled,
    order_refund_parked, order_refunds_unparked, order_stock_partly_confirmed,
    order_flash_sale_joined, order_queued, order_dequeued>;

/// order_placed v1 -> v2: orders before v2 all came from the cart;
/// order_refund_requested v1 -> v2: no idempotency key;
/// order_stock_reserved v1 -> v2: the holds' TTL unknown.
void register_order_upcasters(upcaster_registry& registry);

} // namespace tillroll
