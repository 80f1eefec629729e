// Every event and state as JSON for replay and the admin API, through the
// field lists beside their structs (events/*_events.hpp, actors/*/
// *_state.hpp) and events/described_json.hpp: a field added to a struct
// is added to its list there, and nowhere else.
#pragma once

#include "actors/cart/cart_state.hpp"
#include "actors/order/order_state.hpp"
#include "actors/payment/payment_state.hpp"
#include "actors/product/product_state.hpp"
#include "actors/user/user_state.hpp"
#include "events/described_json.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

namespace tillroll {

// The order state's lists stay here while actors/order/order_state.hpp is
// being rewritten; they move beside it once that settles.
BOOST_DESCRIBE_ENUM(order_status, none, created, payment_pending,
                    payment_confirmed, fulfillment_processing, shipped,
                    delivered, cancelled, refunded)
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

} // namespace tillroll
