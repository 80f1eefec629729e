// Cart, checkout and orders: every change goes to the buyer's cart, the
// checkout coordinator or the order's actor; each order command carries
// its caller, and the order's decider says who may do what.
#include "actors/cart/cart_state.hpp"
#include "actors/order/checkout.hpp"
#include "actors/order/order_actor.hpp"
#include "http/api_internal.hpp"
#include "http/body_input.hpp"
#include "projections/catalog/catalog.hpp"
#include "projections/orders/order_history.hpp"

#include <boost/json/parse.hpp>

#include <set>

namespace tillroll {

namespace json = boost::json;

namespace {

json::value cart_json(api::impl& api, const priced_cart& cart) {
  json::array items;
  for (auto& line : cart.lines) {
    auto features = api.dependencies.products->features(line.product_id);
    items.push_back(
        json::object{{"sku", line.sku},
                     {"product_id", line.product_id},
                     {"title", features ? features->title : std::string{}},
                     {"quantity", line.quantity},
                     {"unit_price_cents", line.unit_price_cents},
                     {"line_total_cents", line.line_total_cents}});
  }
  return json::object{
      {"items", std::move(items)},
      {"subtotal_cents", cart.subtotal_cents},
      {"currency", cart.currency},
      {"expires_at", cart.expires_at_us == 0
                         ? json::value(nullptr)
                         : json::value(iso_time(cart.expires_at_us))}};
}

/// A line's own status: its fulfilment once that began, else the order's.
std::string_view line_status_of(const order_view& order,
                                const order_line& line) {
  auto status = order.line_status.find(line.sku);
  if (status == order.line_status.end() ||
      order.status == order_status::cancelled ||
      order.status == order_status::refunded)
    return to_string(order.status);
  return to_string(status->second);
}

json::array refunds_json(const std::vector<order_refund_requested>& refunds) {
  json::array out;
  for (auto& refund : refunds)
    out.push_back(json::object{{"refund_id", refund.refund_id},
                               {"amount_cents", refund.amount_cents}});
  return out;
}

/// The order as its buyer or the admin sees it, or, for `seller_id`, only
/// that seller's lines: no buyer, no total, no other seller's line.
json::value order_json(const order_view& order,
                       const std::string& seller_id = {}) {
  json::array lines, history;
  for (auto& line : order.lines) {
    if (!seller_id.empty() && line.seller_id != seller_id)
      continue;
    lines.push_back(json::object{{"sku", line.sku},
                                 {"product_id", line.product_id},
                                 {"seller_id", line.seller_id},
                                 {"quantity", line.quantity},
                                 {"unit_price_cents", line.unit_price_cents},
                                 {"status", line_status_of(order, line)}});
  }
  if (!seller_id.empty())
    return json::object{{"id", order.order_id},
                        {"status", to_string(order.status)},
                        {"lines", std::move(lines)},
                        {"currency", order.currency}};
  for (auto& change : order.history)
    history.push_back(json::object{{"status", to_string(change.status)},
                                   {"at", iso_time(change.at_us)}});
  json::object out{{"id", order.order_id},
                   {"buyer_id", order.buyer_id},
                   {"status", to_string(order.status)},
                   {"lines", std::move(lines)},
                   {"currency", order.currency},
                   {"total_cents", order.total_cents},
                   {"refunded_cents", order.refunded_cents},
                   {"history", std::move(history)}};
  if (!order.cancel_reason.empty())
    out["cancel_reason"] = order.cancel_reason;
  if (!order.refunds_pending.empty())
    out["refunds_pending"] = refunds_json(order.refunds_pending);
  if (!order.refunds_parked.empty()) {
    out["refunds_parked"] = refunds_json(order.refunds_parked);
    out["refund_failure"] = order.refund_failure;
  }
  return out;
}

/// Answers the cart the checkout coordinator gives back for `message`.
template <class Message>
void answer_cart(api::impl& api, const call_ptr& request, Message message) {
  ask_actor<priced_cart>(
      api, api.dependencies.checkout, entity_timeout,
      [&api, request](expected<priced_cart> cart) {
        if (!cart)
          return request->fail(cart.error());
        request->json(200, cart_json(api, *cart));
      },
      std::move(message));
}

void change_cart(api::impl& api, const call_ptr& request, int64_t quantity) {
  answer_cart(
      api, request,
      cart_item_request{request->who.user_id, request->parameter(0), quantity});
}

/// A page of order summaries; a seller sees only their lines, no totals.
json::value summaries_json(const list_page<order_summary>& page,
                           bool for_seller) {
  json::array items;
  for (auto& order : page.items) {
    json::array lines, history;
    for (auto& line : order.lines)
      lines.push_back(
          json::object{{"sku", line.sku},
                       {"product_id", line.product_id},
                       {"quantity", line.quantity},
                       {"unit_price_cents", line.unit_price_cents}});
    json::object item{{"id", order.order_id},
                      {"status", order.status},
                      {"currency", order.currency},
                      {"placed_at", iso_time(order.placed_at_us)},
                      {"lines", std::move(lines)}};
    if (!for_seller) {
      for (auto& change : order.history)
        history.push_back(json::object{{"status", change.status},
                                       {"at", iso_time(change.at_us)}});
      item["total_cents"] = order.total_cents;
      item["refunded_cents"] = order.refunded_cents;
      item["history"] = std::move(history);
    }
    items.push_back(std::move(item));
  }
  return json::object{{"items", std::move(items)},
                      {"next_cursor", page.next_cursor
                                          ? json::value(*page.next_cursor)
                                          : json::value(nullptr)}};
}

/// The caller as the order's decider knows it; who may do what with an
/// order is its rule, answered `forbidden` from there.
caller caller_of(const principal& who) {
  return caller{who.user_id, role_named(who.role).value_or(role::buyer)};
}

/// Sends `command` and answers the order after it: a seller's answer
/// shows only their lines.
void act_on_order(api::impl& api, const call_ptr& request,
                  order_command command) {
  auto order_id = request->parameter(0);
  auto seller = request->who.role == "seller" ? request->who.user_id
                                              : std::string{};
  ask_entity<order_entity>(
      api, order_id, std::move(command),
      [request, order_id, seller](expected<order_view> after) {
        if (!after)
          return request->fail(after.error());
        after->order_id = order_id;
        request->json(200, order_json(*after, seller));
      });
}

} // namespace

void read_cart_route(api::impl& api, call_ptr request) {
  answer_cart(api, request, cart_read_request{request->who.user_id});
}

void set_cart_item_route(api::impl& api, call_ptr request) {
  if (auto sku = check_sku_id(request->parameter(0)); !sku)
    return request->fail(sku.error());
  auto body = body_of(request, {"quantity"});
  if (!body)
    return;
  auto quantity = integer_field(*body, "quantity", 0, cart_line_quantity_max);
  if (!quantity) {
    auto* value = body->if_contains("quantity");
    if (value != nullptr && value->is_int64() && value->as_int64() < 0)
      return request->fail(errc::invalid_argument,
                           "quantity must not be negative");
    return request->fail(quantity.error());
  }
  change_cart(api, request, *quantity);
}

void remove_cart_item_route(api::impl& api, call_ptr request) {
  if (auto sku = check_sku_id(request->parameter(0)); !sku)
    return request->fail(sku.error());
  change_cart(api, request, 0);
}

void checkout_route(api::impl& api, call_ptr request) {
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
  ask_actor<order_view>(
      api, api.dependencies.checkout, api.settings.checkout_wait,
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

void read_order(api::impl& api, call_ptr request) {
  auto order_id = request->parameter(0);
  ask_entity<order_entity>(api, order_id, get_order{caller_of(request->who)},
                           [request, order_id](expected<order_view> order) {
                             if (!order)
                               return request->fail(order.error());
                             order->order_id = order_id;
                             request->json(200, order_json(*order));
                           });
}

void list_orders(api::impl& api, call_ptr request) {
  auto limit = limit_parameter(request->query);
  if (!limit)
    return request->fail(limit.error());
  std::optional<std::string> status;
  if (auto found = request->query.find("status");
      found != request->query.end()) {
    static const std::set<std::string, std::less<>> statuses{
        "created",           "payment_pending",
        "payment_confirmed", "fulfillment_processing",
        "shipped",           "delivered",
        "cancelled",         "refunded"};
    if (!statuses.contains(found->second))
      return request->fail(errc::invalid_argument,
                           "status is not an order status");
    status = found->second;
  }
  auto page = api.dependencies.orders->buyer_orders(
      request->who.user_id, status, text_parameter(request->query, "cursor"),
      *limit);
  if (!page)
    return request->fail(page.error());
  request->json(200, summaries_json(*page, false));
}

void seller_orders(api::impl& api, call_ptr request) {
  auto limit = limit_parameter(request->query);
  if (!limit)
    return request->fail(limit.error());
  auto page = api.dependencies.orders->seller_orders(
      request->who.user_id, text_parameter(request->query, "cursor"), *limit);
  if (!page)
    return request->fail(page.error());
  request->json(200, summaries_json(*page, true));
}

void cancel_order_route(api::impl& api, call_ptr request) {
  act_on_order(api, request, cancel_order{caller_of(request->who)});
}

void ship_order_route(api::impl& api, call_ptr request) {
  act_on_order(api, request, ship_order{caller_of(request->who)});
}

void deliver_order_route(api::impl& api, call_ptr request) {
  act_on_order(api, request, deliver_order{caller_of(request->who)});
}

void refund_order_route(api::impl& api, call_ptr request) {
  std::optional<int64_t> amount;
  if (!request->request.body.empty()) {
    auto body = body_of(request, {"amount_cents"});
    if (!body)
      return;
    auto given =
        optional_integer_field(*body, "amount_cents", 1, 10'000'000'000);
    if (!given)
      return request->fail(given.error());
    amount = *given;
  }
  auto key = std::string{request->request.header("Idempotency-Key")};
  if (key.size() > refund_key_size_max)
    return request->fail(errc::invalid_argument,
                         "Idempotency-Key has at most 64 bytes");
  act_on_order(api, request,
               refund_order{amount, std::move(key), caller_of(request->who)});
}

void retry_refunds_route(api::impl& api, call_ptr request) {
  act_on_order(api, request, unpark_refunds{caller_of(request->who)});
}

} // namespace tillroll
