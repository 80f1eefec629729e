// Orders: one order with its history, the buyer's and the seller's lists,
// cancelling, fulfilment and refunds. Reads of one order and every change
// go to the order's actor, whose decider says who may do what; lists come
// from the order history.
#include "actors/order/order_actor.hpp"
#include "actors/sku/sku_state.hpp"
#include "http/api_internal.hpp"
#include "http/shared_schemas.hpp"
#include "projections/orders/order_history.hpp"

#include <boost/json/parse.hpp>

namespace tillroll {

namespace json = boost::json;

namespace {

/// Most cents one refund asks for: a price's limit.
constexpr int64_t refund_cents_max = price_cents_max;

const parameter& status_query() {
  static const parameter spec =
      in_query("status", order_status_schema().about("only orders in it"));
  return spec;
}

const schema& refund_schema() {
  static const schema shape = schema::named(
      "Refund", schema::object({optional("amount_cents",
                                         schema::integer(1, refund_cents_max)
                                             .nullable()
                                             .about("left out: what is left to "
                                                    "refund"))})
                    .example(json::object{{"amount_cents", 1000}}));
  return shape;
}

schema history_schema() {
  return schema::list(schema::named(
      "StatusChange", schema::object({required("status", order_status_schema()),
                                      required("at", time_schema())})));
}

schema refunds_schema() {
  return schema::list(
      schema::named("RefundRequested",
                    schema::object({required("refund_id", id_schema()),
                                    required("amount_cents", cents_schema())})),
      order_refunds_max);
}

/// What the seller's answer leaves out is optional here.
schema order_schema() {
  auto line = schema::object(
      {required("sku", sku_id_schema()), required("product_id", id_schema()),
       required("seller_id", id_schema()),
       required("quantity", schema::integer(1, order_line_quantity_max)),
       required("unit_price_cents", cents_schema()),
       required("status", order_status_schema())});
  return schema::named(
      "Order",
      schema::object(
          {required("id", id_schema()),
           optional("buyer_id", id_schema().about("not in a seller's answer")),
           required("status", order_status_schema()),
           required("lines", schema::list(line, order_lines_max)
                                 .about("a seller's answer: their lines")),
           required("currency", currency_schema()),
           optional("total_cents", cents_schema()),
           optional("refunded_cents", cents_schema()),
           optional("history", history_schema()),
           optional("cancel_reason", schema::text()),
           optional("refunds_pending", refunds_schema()),
           optional("refunds_parked",
                    refunds_schema().about("refunds the PSP kept refusing; "
                                           "POST refunds/retry")),
           optional("refund_failure", schema::text())}));
}

schema order_summary_schema() {
  auto line = schema::object(
      {required("sku", sku_id_schema()), required("product_id", id_schema()),
       required("quantity", schema::integer(1, order_line_quantity_max)),
       required("unit_price_cents", cents_schema())});
  return schema::named(
      "OrderSummary",
      schema::object({required("id", id_schema()),
                      required("status", order_status_schema()),
                      required("currency", currency_schema()),
                      required("placed_at", time_schema()),
                      required("lines", schema::list(line, order_lines_max)),
                      optional("total_cents", cents_schema()),
                      optional("refunded_cents", cents_schema()),
                      optional("history", history_schema())}));
}

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
  auto seller =
      request->who.role == role::seller ? request->who.user_id : std::string{};
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
  auto status = text_parameter(request->query, status_query());
  auto cursor = text_parameter(request->query, cursor_query());
  for (auto* read : {&status, &cursor})
    if (!*read)
      return request->fail(read->error());
  auto page = context.orders.buyer_orders(request->who.user_id, *status,
                                          cursor->value_or(""), *limit);
  if (!page)
    return request->fail(page.error());
  request->json(200, summaries_json(*page, false));
}

void seller_orders(const order_context& context, call_ptr request) {
  auto limit = limit_parameter(request->query);
  if (!limit)
    return request->fail(limit.error());
  auto cursor = text_parameter(request->query, cursor_query());
  if (!cursor)
    return request->fail(cursor.error());
  auto page = context.orders.seller_orders(request->who.user_id,
                                           cursor->value_or(""), *limit);
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
  auto body = body_of(request, refund_schema(), true);
  if (!body)
    return;
  auto amount = integer_of(*body, "amount_cents");
  auto key = std::string{request->request.header("Idempotency-Key")};
  act_on_order(context, request,
               refund_order{amount, std::move(key), caller_of(*request)});
}

void retry_refunds_route(const order_context& context, call_ptr request) {
  act_on_order(context, request, unpark_refunds{caller_of(*request)});
}

} // namespace

schema order_status_schema() {
  std::vector<std::string> names;
  for (auto status = order_status::created; status <= order_status::refunded;
       status = static_cast<order_status>(static_cast<int>(status) + 1))
    names.emplace_back(to_string(status));
  return schema::named("OrderStatus", schema::choice(std::move(names)));
}

std::vector<route> order_routes(const route_sources& sources) {
  auto context = std::make_shared<const order_context>(
      order_context{sources.actors, *sources.dependencies.orders});
  auto on = binder(context);
  auto id = in_path("id", id_schema());
  auto order = order_schema();
  auto act = [&](std::string_view method, std::string_view pattern, access who,
                 route_handler handle, std::string_view summary,
                 std::vector<unsigned> errors, std::string about) {
    return route{method,  pattern,          who, std::move(handle),
                 summary, std::move(errors)}
        .with({id})
        .gives(200, order, std::move(about));
  };
  std::vector<route> routes{
      route{"GET",
            "/v1/orders",
            access::buyer,
            on(list_orders),
            "The caller's orders, newest first",
            {400}}
          .with({status_query(), limit_query(), cursor_query()})
          .gives(200, page_schema("OrderPage", order_summary_schema()),
                 "A page of orders"),
      act("GET", "/v1/orders/{id}", access::signed_in, on(read_order),
          "An order with its history", {404}, "The order"),
      act("POST", "/v1/orders/{id}/cancel", access::signed_in,
          on(cancel_order_route), "Cancel before shipping", {404, 409},
          "The order, cancelled; a paid one is refunded"),
      act("POST", "/v1/orders/{id}/ship", access::signed_in,
          on(ship_order_route), "Mark shipped (admin or selling seller)",
          {404, 409}, "The order; a seller's answer shows their lines"),
      act("POST", "/v1/orders/{id}/deliver", access::signed_in,
          on(deliver_order_route), "Mark delivered (admin or selling seller)",
          {404, 409}, "The order; a seller's answer shows their lines"),
      act("POST", "/v1/orders/{id}/refund", access::admin,
          on(refund_order_route), "Refund in full or in part (Idempotency-Key)",
          {400, 404, 409, 413, 415}, "The order with the refund requested")
          .with({idempotency_key(refund_key_size_max, false)})
          .takes(refund_schema(), true),
      act("POST", "/v1/admin/orders/{id}/refunds/retry", access::admin,
          on(retry_refunds_route),
          "Send an order's parked refunds to the PSP again", {404, 409},
          "The order"),
      route{"GET",
            "/v1/sellers/me/orders",
            access::seller,
            on(seller_orders),
            "Order lines of the seller's products",
            {400}}
          .with({limit_query(), cursor_query()})
          .gives(200, page_schema("SellerOrderPage", order_summary_schema()),
                 "A page of orders, with the seller's lines only"),
  };
  return routes;
}

} // namespace tillroll
