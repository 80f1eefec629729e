// Orders: one order with its history, the buyer's and the seller's lists,
// cancelling, fulfilment and refunds. Reads of one order and every change
// go to the order's actor, whose decider says who may do what; lists come
// from the order history.
#include "actors/order/order_actor.hpp"
#include "actors/sku/sku_state.hpp"
#include "http/api_internal.hpp"
#include "http/body_input.hpp"
#include "projections/orders/order_history.hpp"

#include <boost/json/parse.hpp>

#include <set>

namespace tillroll {

namespace json = boost::json;

namespace {

/// Most cents one refund asks for: a price's limit.
constexpr int64_t refund_cents_max = price_cents_max;

struct order_context {
  actor_gateway actors;
  const order_history& orders;
};

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

/// Sends `command` (which carries its caller: the order's decider says
/// who may do what) and answers the order after it: a seller's answer
/// shows only their lines.
void act_on_order(const order_context& context, const call_ptr& request,
                  order_command command) {
  auto order_id = request->parameter(0);
  auto seller = request->who.role == role::seller ? request->who.user_id
                                                  : std::string{};
  context.actors.ask_entity<order_entity>(
      order_id, std::move(command),
      [request, order_id, seller](expected<order_view> after) {
        if (!after)
          return request->fail(after.error());
        after->order_id = order_id;
        request->json(200, order_json(*after, seller));
      });
}

void read_order(const order_context& context, call_ptr request) {
  auto order_id = request->parameter(0);
  context.actors.ask_entity<order_entity>(
      order_id, get_order{caller_of(*request)},
      [request, order_id](expected<order_view> order) {
        if (!order)
          return request->fail(order.error());
        order->order_id = order_id;
        request->json(200, order_json(*order));
      });
}

void list_orders(const order_context& context, call_ptr request) {
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
  auto page = context.orders.buyer_orders(
      request->who.user_id, status, text_parameter(request->query, "cursor"),
      *limit);
  if (!page)
    return request->fail(page.error());
  request->json(200, summaries_json(*page, false));
}

void seller_orders(const order_context& context, call_ptr request) {
  auto limit = limit_parameter(request->query);
  if (!limit)
    return request->fail(limit.error());
  auto page = context.orders.seller_orders(
      request->who.user_id, text_parameter(request->query, "cursor"), *limit);
  if (!page)
    return request->fail(page.error());
  request->json(200, summaries_json(*page, true));
}

void cancel_order_route(const order_context& context, call_ptr request) {
  act_on_order(context, request, cancel_order{caller_of(*request)});
}

void ship_order_route(const order_context& context, call_ptr request) {
  act_on_order(context, request, ship_order{caller_of(*request)});
}

void deliver_order_route(const order_context& context, call_ptr request) {
  act_on_order(context, request, deliver_order{caller_of(*request)});
}

void refund_order_route(const order_context& context, call_ptr request) {
  std::optional<int64_t> amount;
  if (!request->request.body.empty()) {
    auto body = body_of(request, {"amount_cents"});
    if (!body)
      return;
    auto given =
        optional_integer_field(*body, "amount_cents", 1, refund_cents_max);
    if (!given)
      return request->fail(given.error());
    amount = *given;
  }
  auto key = std::string{request->request.header("Idempotency-Key")};
  if (key.size() > refund_key_size_max)
    return request->fail(errc::invalid_argument,
                         "Idempotency-Key has at most 64 bytes");
  act_on_order(context, request,
               refund_order{amount, std::move(key), caller_of(*request)});
}

void retry_refunds_route(const order_context& context, call_ptr request) {
  act_on_order(context, request, unpark_refunds{caller_of(*request)});
}

} // namespace

std::vector<route> order_routes(const route_sources& sources) {
  auto context = std::make_shared<const order_context>(
      order_context{sources.actors, *sources.dependencies.orders});
  auto on = binder(context);
  return {
      {"GET",
       "/v1/orders",
       access::buyer,
       on(list_orders),
       "The caller's orders, newest first",
       {400}},
      {"GET",
       "/v1/orders/{id}",
       access::signed_in,
       on(read_order),
       "An order with its history",
       {404}},
      {"POST",
       "/v1/orders/{id}/cancel",
       access::signed_in,
       on(cancel_order_route),
       "Cancel before shipping",
       {404, 409}},
      {"POST",
       "/v1/orders/{id}/ship",
       access::signed_in,
       on(ship_order_route),
       "Mark shipped (admin or selling seller)",
       {404, 409}},
      {"POST",
       "/v1/orders/{id}/deliver",
       access::signed_in,
       on(deliver_order_route),
       "Mark delivered (admin or selling seller)",
       {404, 409}},
      {"POST",
       "/v1/orders/{id}/refund",
       access::admin,
       on(refund_order_route),
       "Refund in full or in part (Idempotency-Key)",
       {400, 404, 409}},
      {"POST",
       "/v1/admin/orders/{id}/refunds/retry",
       access::admin,
       on(retry_refunds_route),
       "Send an order's parked refunds to the PSP again",
       {404, 409}},
      {"GET",
       "/v1/sellers/me/orders",
       access::seller,
       on(seller_orders),
       "Order lines of the seller's products",
       {400}},
  };
}

} // namespace tillroll
