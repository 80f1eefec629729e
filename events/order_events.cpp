#include "events/order_events.hpp"

#include "events/codec.hpp"

namespace tillroll {

void register_order_upcasters(upcaster_registry& registry) {
  registry.add_step<order_placed_v1, order_placed>([](order_placed_v1 old) {
    return order_placed{old.buyer_id,
                        old.checkout_key,
                        old.lines,
                        old.currency,
                        old.total_cents,
                        old.payment_token,
                        old.shipping_address,
                        true};
  });
  registry.add_step<order_refund_requested_v1, order_refund_requested>(
      [](order_refund_requested_v1 old) {
        return order_refund_requested{old.refund_id, old.amount_cents, ""};
      });
  registry.add_step<order_stock_reserved_v1, order_stock_reserved>(
      [](order_stock_reserved_v1) { return order_stock_reserved{}; });
}

} // namespace tillroll
