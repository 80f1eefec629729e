// The buyer's cart: reading it priced, and setting or removing a line.
// Every change goes to the checkout coordinator, which keeps carts.
#include "actors/cart/cart_state.hpp"
#include "actors/order/checkout.hpp"
#include "http/api_internal.hpp"
#include "http/body_input.hpp"
#include "http/shared_schemas.hpp"
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
void answer_cart(const cart_context& context, const call_ptr& request,
                 Message message) {
  context.actors.ask<priced_cart>(
      context.checkout, entity_timeout,
      [&context, request](expected<priced_cart> cart) {
        if (!cart)
          return request->fail(cart.error());
        request->json(200, cart_json(context, *cart));
      },
      std::move(message));
}

void change_cart(const cart_context& context, const call_ptr& request,
                 int64_t quantity) {
  answer_cart(
      context, request,
      cart_item_request{request->who.user_id, request->parameter(0), quantity});
}

void read_cart_route(const cart_context& context, call_ptr request) {
  answer_cart(context, request, cart_read_request{request->who.user_id});
}

const schema& cart_line_schema() {
  static const schema shape = schema::named(
      "CartLineQuantity",
      schema::object(
          {required("quantity", schema::integer(0, cart_line_quantity_max)
                                    .about("0 removes the line"))})
          .example(json::object{{"quantity", 2}}));
  return shape;
}

schema cart_schema() {
  return schema::named(
      "Cart",
      schema::object(
          {required(
               "items",
               schema::list(
                   schema::object(
                       {required("sku", sku_id_schema()),
                        required("product_id", id_schema()),
                        required("title", schema::text()),
                        required("quantity",
                                 schema::integer(1, cart_line_quantity_max)),
                        required("unit_price_cents", cents_schema()),
                        required("line_total_cents", cents_schema())}),
                   cart_lines_max)),
           required("subtotal_cents", cents_schema()),
           required("currency",
                    schema::text(3).about("empty while the cart is empty")),
           required("expires_at", time_schema().nullable())})
          .example(json::object{
              {"items",
               json::array{json::object{{"sku", "SHIRT-M"},
                                        {"product_id", "p0ea43250455069aea925"},
                                        {"title", "Linen shirt"},
                                        {"quantity", 2},
                                        {"unit_price_cents", 2500},
                                        {"line_total_cents", 5000}}}},
              {"subtotal_cents", 5000},
              {"currency", "USD"},
              {"expires_at", "2026-12-31T20:33:48.545139Z"}}));
}

void set_cart_item_route(const cart_context& context, call_ptr request) {
  auto body = body_of(request, cart_line_schema());
  if (!body)
    return;
  change_cart(context, request, integer_of(*body, "quantity").value_or(0));
}

void remove_cart_item_route(const cart_context& context, call_ptr request) {
  change_cart(context, request, 0);
}

} // namespace

std::vector<route> cart_routes(const route_sources& sources) {
  auto& from = sources.dependencies;
  auto context = std::make_shared<const cart_context>(
      cart_context{sources.actors, from.checkout, *from.products});
  auto on = binder(context);
  auto sku = in_path("sku", sku_id_schema());
  return {route{"GET",
                "/v1/cart",
                access::buyer,
                on(read_cart_route),
                "The caller's cart",
                {}}
              .gives(200, cart_schema(), "The cart, priced now"),
          route{"PUT",
                "/v1/cart/items/{sku}",
                access::buyer,
                on(set_cart_item_route),
                "Set a cart line (0 removes)",
                {400, 404, 409, 413, 415}}
              .with({sku})
              .takes(cart_line_schema())
              .gives(200, cart_schema(), "The cart"),
          route{"DELETE",
                "/v1/cart/items/{sku}",
                access::buyer,
                on(remove_cart_item_route),
                "Remove a cart line",
                {400, 404}}
              .with({sku})
              .gives(200, cart_schema(), "The cart")};
}

} // namespace tillroll
