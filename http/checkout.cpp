// Checkout: the cart or the lines given become an order under the
// buyer's Idempotency-Key; the answer waits for the payment a while, then
// says the order is queued.
#include "actors/order/checkout.hpp"
#include "actors/order/order_actor.hpp"
#include "http/api_internal.hpp"
#include "http/body_input.hpp"

namespace tillroll {

namespace json = boost::json;

namespace {

struct checkout_context {
  actor_gateway actors;
  caf::actor checkout;
  /// A checkout not settled in this time answers 202 queued.
  std::chrono::milliseconds wait;
};

void checkout_route(const checkout_context& context, call_ptr request) {
  auto key = std::string{request->request.header("Idempotency-Key")};
  if (key.empty())
    return request->fail(errc::invalid_argument,
                         "the Idempotency-Key header is required");
  auto body = json_body(request->request);
  if (!body)
    return request->fail(body.error());
  auto read = checkout_body_of(*body);
  if (!read)
    return request->fail(read.error());
  checkout_request checkout{request->who.user_id, key, std::move(read->lines),
                            std::move(read->payment_token),
                            std::move(read->shipping_address)};
  auto order_id = order_id_for(request->who.user_id, key);
  context.actors.ask<order_view>(
      context.checkout, context.wait,
      [request, order_id](expected<order_view> order) {
        if (!order) {
          // Not settled in time: the saga goes on; the client polls.
          if (order.error().code == errc::timeout)
            return request->json(202, json::object{{"order_id", order_id},
                                                   {"status", "queued"}});
          return request->fail(order.error());
        }
        // A key past its retention placed a new order under a new id.
        auto id = order->order_id.empty() ? order_id : order->order_id;
        if (order->status == order_status::cancelled) {
          if (order->cancel_reason == "out_of_stock") {
            json::array skus;
            for (auto& sku : order->short_skus)
              skus.push_back(json::value(sku));
            return request->fail(
                failure{errc::out_of_stock, "some items are out of stock",
                        false},
                json::serialize(json::object{{"order_id", id},
                                             {"skus", std::move(skus)}}));
          }
          if (order->cancel_reason == "payment_declined")
            return request->fail(
                failure{errc::payment_declined, "the payment was declined",
                        false},
                json::serialize(json::object{{"order_id", id}}));
          if (order->cancel_reason == "requested")
            return request->fail(
                failure{errc::wrong_state, "the order was cancelled", false},
                json::serialize(json::object{{"order_id", id}}));
          if (order->cancel_reason == "reservation_expired")
            return request->fail(
                failure{errc::reservation_expired,
                        "the hold on the stock ended before the payment "
                        "settled; nothing is owed",
                        false},
                json::serialize(json::object{{"order_id", id}}));
        }
        request->json(201, json::object{{"order_id", id},
                                        {"status", to_string(order->status)},
                                        {"total_cents", order->total_cents},
                                        {"currency", order->currency}});
      },
      std::move(checkout));
}

} // namespace

std::vector<route> checkout_routes(const route_sources& sources) {
  auto context = std::make_shared<const checkout_context>(
      checkout_context{sources.actors, sources.dependencies.checkout,
                       sources.settings.checkout_wait});
  return {{"POST",
           "/v1/checkout",
           access::buyer,
           bound<checkout_context>(context, checkout_route),
           "Check out the cart (Idempotency-Key)",
           {400, 402, 409, 415}}};
}

} // namespace tillroll
