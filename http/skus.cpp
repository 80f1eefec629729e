// SKUs: a SKU's price and availability, and its seller's stock changes.
// Both go to the SKU actor, whose decider says who may change stock.
#include "actors/sku/sku_actor.hpp"
#include "http/api_internal.hpp"
#include "http/body_input.hpp"

namespace tillroll {

namespace json = boost::json;

namespace {

struct sku_context {
  actor_gateway actors;
};

void read_sku(const sku_context& context, call_ptr request) {
  auto sku = request->parameter(0);
  if (auto valid = check_sku_id(sku); !valid)
    return request->fail(valid.error());
  context.actors.ask_entity<sku_entity>(
      sku, get_sku{}, [request, sku](expected<sku_view> view) {
        if (!view)
          return request->fail(view.error());
        request->json(200, json::object{{"sku", sku},
                                        {"product_id", view->product_id},
                                        {"price_cents", view->price_cents},
                                        {"currency", view->currency},
                                        {"available", view->available}});
      });
}

void adjust_sku_stock(const sku_context& context, call_ptr request) {
  if (auto valid = check_sku_id(request->parameter(0)); !valid)
    return request->fail(valid.error());
  auto body = body_of(request, {"delta"});
  if (!body)
    return;
  auto delta =
      integer_field(*body, "delta", -stock_quantity_max, stock_quantity_max);
  if (!delta)
    return request->fail(delta.error());
  if (*delta == 0)
    return request->fail(errc::invalid_argument, "delta must not be 0");
  auto sku = request->parameter(0);
  auto key = std::string{request->request.header("Idempotency-Key")};
  if (key.size() > stock_change_key_size_max)
    return request->fail(errc::invalid_argument,
                         "Idempotency-Key has at most 64 bytes");
  context.actors.ask_entity<sku_entity>(
      sku, adjust_stock{*delta, caller_of(*request), std::move(key)},
      [request, sku](expected<sku_view> after) {
        if (!after)
          return request->fail(after.error());
        request->json(200, json::object{{"sku", sku},
                                        {"on_hand", after->on_hand},
                                        {"reserved", after->reserved},
                                        {"sold", after->sold},
                                        {"available", after->available}});
      });
}

} // namespace

std::vector<route> sku_routes(const route_sources& sources) {
  auto context = std::make_shared<const sku_context>(sku_context{sources.actors});
  return {{"GET",
           "/v1/skus/{sku}",
           access::anyone,
           bound<sku_context>(context, read_sku),
           "A SKU's price and availability",
           {400, 404}},
          {"POST",
           "/v1/skus/{sku}/stock",
           access::seller,
           bound<sku_context>(context, adjust_sku_stock),
           "Receive or remove stock",
           {400, 404, 409, 415}}};
}

} // namespace tillroll
