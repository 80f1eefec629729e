// Checkout: the cart or the lines given become an order under the
// buyer's Idempotency-Key; the answer waits for the payment a while, then
// says the order is queued.
#include "actors/order/checkout.hpp"

#include "actors/order/order_actor.hpp"
#include "events/json_text.hpp"
#include "http/api_internal.hpp"
#include "http/body_input.hpp"
#include "http/checkout_gate.hpp"
#include "http/shared_schemas.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace tillroll {

namespace json = boost::json;

namespace {

/// Shared by the routes and by every callback of a checkout in flight:
/// those may run after the routes are gone (a node stopping with queued
/// checkouts), so they keep it, and it keeps the metrics it sets.
struct checkout_context {
  actor_gateway actors;
  caf::actor checkout;
  /// A checkout not settled in this time answers 202 queued.
  std::chrono::milliseconds wait;
  rate_limits& limits;
  std::unique_ptr<checkout_gate> gate;
  prometheus::Gauge* in_flight_gauge = nullptr;
  prometheus::Gauge* queue_gauge = nullptr;
  prometheus::Counter* refused_counter = nullptr;
  std::shared_ptr<prometheus::Registry> metrics;
  /// Itself, for a callback to keep (set once made).
  mutable std::weak_ptr<const checkout_context> self;

  std::shared_ptr<const checkout_context> shared() const { return self.lock(); }

  void show() const {
    in_flight_gauge->Set(static_cast<double>(gate->in_flight()));
    queue_gauge->Set(static_cast<double>(gate->depth()));
  }
};

parameter checkout_key() {
  auto key = idempotency_key(checkout_key_size_max, true);
  key.type = key.type.pattern(
      "^[A-Za-z0-9_-]+$",
      [](std::string_view text) { return valid_checkout_key(text); },
      "letters, digits, '-' and '_'");
  return key;
}

/// A cancelled checkout's error: why, with its order id.
void answer_cancelled(const call_ptr& request, const std::string& id,
                      const order_view& order) {
  auto details = json_text(json::object{{"order_id", id}});
  if (order.cancel_reason == "out_of_stock") {
    json::array skus;
    for (auto& sku : order.short_skus)
      skus.push_back(json::value(sku));
    return request->fail(
        failure{errc::out_of_stock, "some items are out of stock", false},
        json_text(json::object{{"order_id", id}, {"skus", std::move(skus)}}));
  }
  if (order.cancel_reason == "payment_declined")
    return request->fail(
        failure{errc::payment_declined, "the payment was declined", false},
        details);
  for (auto code : {errc::not_admitted, errc::per_user_limit, errc::sold_out,
                    errc::sale_ended})
    if (order.cancel_reason == to_string(code))
      return request->fail(failure{code,
                                   "the flash sale refused the order: " +
                                       std::string{to_string(code)},
                                   false},
                           details);
  // Its first hold found a member down: nothing was held or charged, and
  // the key keeps this answer, so a new attempt takes a new key.
  if (order.cancel_reason == "node_unavailable")
    return request->fail(
        failure{errc::node_unavailable,
                "the order was cancelled: a member holding its stock could "
                "not be reached; nothing was charged; check out again with "
                "a new Idempotency-Key",
                true},
        details);
  if (order.cancel_reason == "reservation_expired")
    return request->fail(
        failure{errc::reservation_expired,
                "the hold on the stock ended before the payment settled; "
                "nothing is owed",
                false},
        details);
  request->fail(failure{errc::wrong_state, "the order was cancelled", false},
                details);
}

/// How long a checkout past its wait waits more for its order's owner to
/// say whether it holds the order.
constexpr std::chrono::seconds unsettled_confirm_timeout{2};

/// Past the wait, 202 is a promise that the order exists: its owner is
/// asked. An order it does not hold (yet), or an owner that does not
/// answer, is 503 `timeout`: the client retries with its key and learns.
void answer_unsettled(const checkout_context& context, const call_ptr& request,
                      const std::string& order_id);

/// The checkout's answer once the coordinator answered or `wait` passed.
void answer_checkout(const checkout_context& context, const call_ptr& request,
                     const std::string& order_id, expected<order_view> order) {
  if (!order) {
    if (order.error().code == errc::timeout)
      return answer_unsettled(context, request, order_id);
    return request->fail(order.error());
  }
  // A key past its retention placed a new order under a new id.
  auto id = order->order_id.empty() ? order_id : order->order_id;
  // A refunded order's retry shows it as it is.
  if (order->status == order_status::cancelled &&
      order->cancel_reason != "refunded")
    return answer_cancelled(request, id, *order);
  request->json(201, json::object{{"order_id", id},
                                  {"status", to_string(order->status)},
                                  {"total_cents", order->total_cents},
                                  {"currency", order->currency}});
}

void answer_unsettled(const checkout_context& context, const call_ptr& request,
                      const std::string& order_id) {
  context.actors.ask<order_view>(
      context.actors.registry, unsettled_confirm_timeout,
      [context = context.shared(), request,
       order_id](expected<order_view> order) {
        if (!order) {
          failure unknown{errc::timeout,
                          "the order was not settled in time and could not "
                          "be confirmed placed; retry with the same "
                          "Idempotency-Key",
                          true};
          unknown.node = order.error().node;
          return request->fail(unknown);
        }
        auto status = order->status;
        if (status == order_status::created ||
            status == order_status::payment_pending ||
            status == order_status::payment_confirmed)
          return request->json(
              202, json::object{{"order_id", order_id}, {"status", "queued"}});
        answer_checkout(*context, request, order_id, std::move(order));
      },
      route_atom::value, std::string{order_entity::kind}, order_id,
      caf::make_message(
          order_entity::command_type{get_order{caller_of(*request)}}));
}

using context_ptr = std::shared_ptr<const checkout_context>;

/// A running checkout finished: the next queued order starts in its slot.
void run_next(const context_ptr& context);

/// A queued order's turn: it starts, and once it settles (or `wait`
/// passes) its slot goes on to the next.
void start_queued(const context_ptr& context, const std::string& id) {
  context->actors.ask_entity<order_entity>(
      id, admit_order{}, [context, id](expected<order_view>) {
        context->actors.ask<order_view>(
            context->actors.registry, context->wait,
            [context](expected<order_view>) { run_next(context); },
            route_atom::value, std::string{order_entity::kind}, id,
            caf::make_message(await_atom::value));
      });
}

void run_next(const context_ptr& context) {
  auto next = context->gate->finish(now_timestamp());
  context->show();
  if (next)
    start_queued(context, *next);
}

void admitted_checkout(const checkout_context& context, call_ptr request);

/// Past the buyer's checkout limit, only a retry of a key whose order
/// exists goes on (it gets the first answer, API.md's promise); anything
/// else is 429.
void checkout_route(const checkout_context& context, call_ptr request) {
  auto wait = context.limits.checkout_per_buyer.refuse(request->who.user_id,
                                                       now_timestamp());
  if (!wait)
    return admitted_checkout(context, request);
  auto key = std::string{request->request.header("Idempotency-Key")};
  auto shared = context.shared();
  context.actors.ask_entity<order_entity>(
      order_id_for(request->who.user_id, key), get_order{caller_of(*request)},
      [shared, request, wait](expected<order_view> placed) {
        if (placed)
          return admitted_checkout(*shared, request);
        rate_limited(request, *wait, "too many checkouts");
      });
}

void admitted_checkout(const checkout_context& context, call_ptr request) {
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
  auto shared = context.shared();
  switch (context.gate->admit()) {
  case checkout_gate::verdict::refuse:
    context.refused_counter->Increment();
    return rate_limited(request, context.gate->retry_after_s(now_timestamp()),
                        "the checkout queue is full");
  case checkout_gate::verdict::queue:
    checkout.queue_for = checkout_queue_wait_max;
    context.actors.ask<order_view>(
        context.checkout, context.wait,
        [request, order_id, shared](expected<order_view> order) {
          // A retry of a key whose order is under way or done answers as
          // that order does.
          if (!order || order->status != order_status::created) {
            shared->gate->cancel_place();
            return answer_checkout(*shared, request, order_id,
                                   std::move(order));
          }
          if (auto next = shared->gate->enqueue(order_id))
            start_queued(shared, *next);
          shared->show();
          request->json(
              202, json::object{{"order_id", order_id}, {"status", "queued"}});
        },
        std::move(checkout));
    return;
  case checkout_gate::verdict::run:
    break;
  }
  context.show();
  context.actors.ask<order_view>(
      context.checkout, context.wait,
      [request, order_id, shared](expected<order_view> order) {
        // The slot is free before the client hears: its next checkout
        // finds it free rather than queueing behind itself.
        run_next(shared);
        answer_checkout(*shared, request, order_id, std::move(order));
      },
      std::move(checkout));
}

} // namespace

std::vector<route> checkout_routes(const route_sources& sources) {
  auto& registry = *sources.dependencies.metrics_registry;
  auto& gauges = prometheus::BuildGauge()
                     .Name("tillroll_checkout_admission")
                     .Help("Checkouts running, and queued waiting their turn")
                     .Register(registry);
  auto& refusals = prometheus::BuildCounter()
                       .Name("tillroll_checkout_refused_total")
                       .Help("Checkouts refused 429 with the queue full")
                       .Register(registry);
  auto context = std::make_shared<const checkout_context>(checkout_context{
      sources.actors, sources.dependencies.checkout,
      sources.settings.checkout_wait, sources.limits,
      std::make_unique<checkout_gate>(sources.settings.checkout_in_flight_max,
                                      sources.settings.checkout_queue_max),
      &gauges.Add({{"state", "in_flight"}}), &gauges.Add({{"state", "queued"}}),
      &refusals.Add({}), sources.dependencies.metrics_registry});
  context->self = context;
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
