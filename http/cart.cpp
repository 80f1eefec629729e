// The buyer's cart: reading it priced, and setting or removing a line.
// Every change goes to the checkout coordinator, which keeps carts.
#include "actors/cart/cart_state.hpp"
#include "actors/order/checkout.hpp"
#include "http/api_internal.hpp"
#include "http/body_input.hpp"
#include "projections/catalog/catalog.hpp"

namespace tillroll {

namespace json = boost::json;

namespace {

struct cart_context {
  actor_gateway actors;
  caf::actor checkout;
  const catalog& products;
};

json::value cart_json(const cart_context& context, const priced_cart& cart) {
  json::array items;
  for (auto& line : cart.lines) {
    auto features = context.products.features(line.product_id);
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

/// Answers the cart the checkout coordinator gives back for `message`.
template <class Message>
void answer_cart(const cart_context& context, const call_ptr& request, Message message) {
  context.actors.ask<priced_cart>(
      context.checkout, entity_timeout,
      [&context, request](expected<priced_cart> cart) {
        if (!cart)
          return request->fail(cart.error());
        request->json(200, cart_json(context, *cart));
      },
      std::move(message));
}

void change_cart(const cart_context& context, const call_ptr& request, int64_t quantity) {
  answer_cart(
      context, request,
      cart_item_request{request->who.user_id, request->parameter(0), quantity});
}

void read_cart_route(const cart_context& context, call_ptr request) {
  answer_cart(context, request, cart_read_request{request->who.user_id});
}

void set_cart_item_route(const cart_context& context, call_ptr request) {
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
  change_cart(context, request, *quantity);
}

void remove_cart_item_route(const cart_context& context, call_ptr request) {
  if (auto sku = check_sku_id(request->parameter(0)); !sku)
    return request->fail(sku.error());
  change_cart(context, request, 0);
}

} // namespace

std::vector<route> cart_routes(const route_sources& sources) {
  auto& from = sources.dependencies;
  auto context = std::make_shared<const cart_context>(
      cart_context{sources.actors, from.checkout, *from.products});
  auto on = binder(context);
  return {{"GET", "/v1/cart", access::buyer, on(read_cart_route),
           "The caller's cart", {}},
          {"PUT",
           "/v1/cart/items/{sku}",
           access::buyer,
           on(set_cart_item_route),
           "Set a cart line (0 removes)",
           {400, 404, 415}},
          {"DELETE",
           "/v1/cart/items/{sku}",
           access::buyer,
           on(remove_cart_item_route),
           "Remove a cart line",
           {400, 404}}};
}

} // namespace tillroll
