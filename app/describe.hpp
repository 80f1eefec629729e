// Field lists of events and states for Boost.Describe, so replay and the
// admin API render any of them as JSON without hand-written code per
// struct. Adding a field to an event or state means adding it here.
#pragma once

#include "actors/entity_kinds.hpp"

#include <boost/describe.hpp>

namespace tillroll {

BOOST_DESCRIBE_ENUM(order_status, none, created, payment_pending,
                    payment_confirmed, fulfillment_processing, shipped,
                    delivered, cancelled, refunded)
BOOST_DESCRIBE_ENUM(payment_status, none, pending, captured, declined)

BOOST_DESCRIBE_STRUCT(order_line, (),
                      (sku, product_id, seller_id, quantity, unit_price_cents))
BOOST_DESCRIBE_STRUCT(order_placed, (),
                      (buyer_id, checkout_key, lines, currency, total_cents,
                       payment_token, shipping_address, from_cart))
BOOST_DESCRIBE_STRUCT(order_stock_reserved, (), ())
BOOST_DESCRIBE_STRUCT(order_cancelled, (), (reason, short_skus))
BOOST_DESCRIBE_STRUCT(order_payment_started, (), (payment_id))
BOOST_DESCRIBE_STRUCT(order_payment_captured, (), (psp_reference))
BOOST_DESCRIBE_STRUCT(order_payment_check_scheduled, (),
                      (check_at_us, retry_charge))
BOOST_DESCRIBE_STRUCT(order_stock_confirmed, (), ())
BOOST_DESCRIBE_STRUCT(order_stock_released, (), ())
BOOST_DESCRIBE_STRUCT(order_stock_returned, (), ())
BOOST_DESCRIBE_STRUCT(order_fulfillment_started, (), ())
BOOST_DESCRIBE_STRUCT(order_shipped, (), ())
BOOST_DESCRIBE_STRUCT(order_delivered, (), ())
BOOST_DESCRIBE_STRUCT(order_refund_requested, (),
                      (refund_id, amount_cents, idempotency_key))
BOOST_DESCRIBE_STRUCT(order_lines_shipped, (), (skus))
BOOST_DESCRIBE_STRUCT(order_lines_delivered, (), (skus))
BOOST_DESCRIBE_STRUCT(order_refund_retry_scheduled, (),
                      (refund_id, reason, attempts, retry_at_us))
BOOST_DESCRIBE_STRUCT(order_refund_parked, (), (refund_id, reason))
BOOST_DESCRIBE_STRUCT(order_refunds_unparked, (), ())
BOOST_DESCRIBE_STRUCT(order_stock_partly_confirmed, (), (sold_skus))
BOOST_DESCRIBE_STRUCT(order_refunded, (), (refund_id, amount_cents))
BOOST_DESCRIBE_STRUCT(order_notification, (), (status, buyer_id, at_us))
BOOST_DESCRIBE_STRUCT(order_status_change, (), (status, at_us))
BOOST_DESCRIBE_STRUCT(order_state, (),
                      (status, buyer_id, checkout_key, lines, currency,
                       total_cents, shipping_address, history, cancel_reason,
                       short_skus, stock_held, stock_sold, release_pending,
                       return_pending, payment_started, charged, psp_reference,
                       payment_check_at_us, payment_check_due, retry_charge,
                       refunded_cents, refunds_pending, from_cart,
                       placed_at_us, line_status, sold_skus, refund_keys,
                       refund_attempts, refund_retry_at_us, refund_failure,
                       refunds_parked))

BOOST_DESCRIBE_STRUCT(payment_requested, (),
                      (order_id, amount_cents, currency, payment_token,
                       fingerprint, requested_at_us))
BOOST_DESCRIBE_STRUCT(payment_captured, (), (psp_reference))
BOOST_DESCRIBE_STRUCT(payment_declined, (), (reason))
BOOST_DESCRIBE_STRUCT(payment_attempt_failed, (), (reason))
BOOST_DESCRIBE_STRUCT(refund_recorded, (),
                      (refund_id, amount_cents, psp_reference))
BOOST_DESCRIBE_STRUCT(ledger_posting, (), (account, amount_cents))
BOOST_DESCRIBE_STRUCT(ledger_transaction_recorded, (),
                      (transaction_id, currency, postings))
BOOST_DESCRIBE_STRUCT(payment_state, (),
                      (status, order_id, amount_cents, currency, payment_token,
                       fingerprint, requested_at_us, psp_reference,
                       decline_reason, failed_attempts, refunded_cents,
                       refund_ids, ledger_transactions))

BOOST_DESCRIBE_STRUCT(cart_item_set, (),
                      (sku, product_id, quantity, expires_at_us))
BOOST_DESCRIBE_STRUCT(cart_item_removed, (), (sku, expires_at_us))
BOOST_DESCRIBE_STRUCT(cart_bought_line, (), (sku, quantity))
BOOST_DESCRIBE_STRUCT(cart_cleared, (), (order_id, bought, whole))
BOOST_DESCRIBE_STRUCT(cart_expired, (), ())
BOOST_DESCRIBE_STRUCT(cart_line, (), (product_id, quantity))
BOOST_DESCRIBE_STRUCT(cart_state, (), (lines, expires_at_us, cleared_by))

BOOST_DESCRIBE_STRUCT(product_variant, (),
                      (sku, price_cents, currency, attributes, initial_stock))
BOOST_DESCRIBE_STRUCT(product_listed, (),
                      (seller_id, title, description, brand, category,
                       attributes, images, variants, listed_at_us))
BOOST_DESCRIBE_STRUCT(product_changed, (),
                      (title, description, brand, category, attributes, images))
BOOST_DESCRIBE_STRUCT(variant_price_changed, (), (sku, price_cents, currency))
BOOST_DESCRIBE_STRUCT(product_delisted, (), ())
BOOST_DESCRIBE_STRUCT(review_added, (), (buyer_id, rating, text, at_us))
BOOST_DESCRIBE_STRUCT(variants_registered, (), (rejected_skus))
BOOST_DESCRIBE_STRUCT(variant_price_synced, (), (sku))
BOOST_DESCRIBE_STRUCT(skus_withdrawn, (), ())
// The password hash stays out of every rendering.
BOOST_DESCRIBE_STRUCT(user_registered, (), (email, role, at_us))
BOOST_DESCRIBE_STRUCT(user_state, (),
                      (registered, email, role, registered_at_us))

BOOST_DESCRIBE_STRUCT(product_review, (), (rating, text, at_us))
BOOST_DESCRIBE_STRUCT(product_state, (),
                      (listed, delisted, variants_ready, listing, rejected_skus,
                       reviews, rating_sum))

} // namespace tillroll
