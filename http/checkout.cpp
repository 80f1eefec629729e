// Checkout: the cart or the lines given become an order under the
// buyer's Idempotency-Key; the answer waits for the payment a while, then
// says the order is queued.
#include "actors/order/checkout.hpp"

#include "actors/order/order_actor.hpp"
#include "http/api_internal.hpp"
#include "http/body_input.hpp"
#include "http/shared_schemas.hpp"

namespace tillroll {

namespace json = boost::json;

namespace {

struct checkout_context {
  actor_gateway actors;
  caf::actor checkout;
  /// A checkout not settled in this time answers 202 queued.
  std::chrono::milliseconds wait;
  rate_limits& limits;
};

parameter checkout_key() {
  auto key = idempotency_key(checkout_key_size_max, true);
  key.type = key.type.pattern(
      "^[A-Za-z0-9_-]+$",
      [](std::string_view text) { return valid_checkout_key(text); },
      "letters, digits, '-' and '_'");
  return key;
}

void checkout_route(const checkout_context& context, call_ptr request) {
  if (limited(request, context.limits.checkout_per_buyer,
              request->who.user_id, "checkouts"))
    return;
  auto key = std::string{request->request.header("Idempotency-Key")};
  auto body = json_body(request->request);
  if (!body)
    return request->fail(body.error());
  auto read = checkout_body_of(*body);
  if (!read)
    return request->fail(read.error());
  checkout_request checkout{request->who.user_id,
                            key,
                            std::move(read->lines),
                            std::move(read->payment_token),
                            std::move(read->shipping_address),
                            false,
                            std::move(read->flash_sale_id),
                            std::move(read->flash_sale_ticket)};
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
                json::serialize(
                    json::object{{"order_id", id}, {"skus", std::move(skus)}}));
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
          for (auto code : {errc::not_admitted, errc::per_user_limit,
                            errc::sold_out, errc::sale_ended})
            if (order->cancel_reason == to_string(code))
              return request->fail(
                  failure{code,
                          "the flash sale refused the order: " +
                              std::string{to_string(code)},
                          false},
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
                       sources.settings.checkout_wait, sources.limits});
  auto placed = schema::named(
      "CheckoutPlaced",
      schema::object({required("order_id", id_schema()),
                      required("status", order_status_schema()),
                      required("total_cents", cents_schema()),
                      required("currency", currency_schema())})
          .example(
              json::object{{"order_id", "u0567c97c630d6ea0d7ed26e46abe8e1d-k1"},
                           {"status", "fulfillment_processing"},
                           {"total_cents", 5000},
                           {"currency", "USD"}}));
  auto queued = schema::named(
      "CheckoutQueued",
      schema::object({required("order_id", id_schema()),
                      required("status", schema::choice({"queued"}))})
          .example(
              json::object{{"order_id", "u0567c97c630d6ea0d7ed26e46abe8e1d-k1"},
                           {"status", "queued"}}));
  return {route{"POST",
                "/v1/checkout",
                access::buyer,
                bound<checkout_context>(context, checkout_route),
                "Check out the cart, or the lines given (Idempotency-Key)",
                {400, 402, 403, 404, 409, 413, 415, 429}}
              .with({checkout_key()})
              .takes(checkout_schema())
              .gives(201, placed, "Ordered and paid")
              .gives(202, queued,
                     "Not settled within the wait: poll GET /v1/orders/{id}")};
}

} // namespace tillroll
