// SKUs: a SKU's price and availability, and its seller's stock changes.
// Both go to the SKU actor, whose decider says who may change stock.
#include "actors/sku/sku_actor.hpp"
#include "http/api_internal.hpp"
#include "http/shared_schemas.hpp"

namespace tillroll {

namespace json = boost::json;

namespace {

struct sku_context {
  actor_gateway actors;
};

schema sku_schema() {
  return schema::named(
      "Sku",
      schema::object({required("sku", sku_id_schema()),
                      required("product_id", id_schema()),
                      required("price_cents", cents_schema()),
                      required("currency", currency_schema()),
                      required("available", schema::integer().about(
                                                "on hand less reserved"))})
          .example(json::object{{"sku", "SHIRT-M"},
                                {"product_id", "p0ea43250455069aea925"},
                                {"price_cents", 2500},
                                {"currency", "USD"},
                                {"available", 10}}));
}

const schema& stock_change_schema() {
  static const schema shape = schema::named(
      "StockChange",
      schema::object(
          {required("delta",
                    schema::integer(-stock_quantity_max, stock_quantity_max)
                        .about("units received (> 0) or removed (< 0); "
                               "not 0"))})
          .example(json::object{{"delta", 25}}));
  return shape;
}

schema stock_levels_schema() {
  return schema::named(
      "StockLevels",
      schema::object({required("sku", sku_id_schema()),
                      required("on_hand", schema::integer(0)),
                      required("reserved", schema::integer(0)),
                      required("sold", schema::integer(0)),
                      required("set_aside",
                               schema::integer(0).about("units handed to flash "
                                                        "sales")),
                      required("available", schema::integer())})
          .example(json::object{{"sku", "SHIRT-M"},
                                {"on_hand", 35},
                                {"reserved", 2},
                                {"sold", 0},
                                {"set_aside", 0},
                                {"available", 33}}));
}

void read_sku(const sku_context& context, call_ptr request) {
  auto sku = request->parameter(0);
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
  auto body = body_of(request, stock_change_schema());
  if (!body)
    return;
  auto delta = integer_of(*body, "delta").value_or(0);
  if (delta == 0)
    return request->fail(errc::invalid_argument, "delta must not be 0");
  auto sku = request->parameter(0);
  auto key = std::string{request->request.header("Idempotency-Key")};
  context.actors.ask_entity<sku_entity>(
      sku, adjust_stock{delta, caller_of(*request), std::move(key)},
      [request, sku](expected<sku_view> after) {
        if (!after)
          return request->fail(after.error());
        request->json(200, json::object{{"sku", sku},
                                        {"on_hand", after->on_hand},
                                        {"reserved", after->reserved},
                                        {"sold", after->sold},
                                        {"set_aside", after->set_aside},
                                        {"available", after->available}});
      });
}

} // namespace

std::vector<route> sku_routes(const route_sources& sources) {
  auto context =
      std::make_shared<const sku_context>(sku_context{sources.actors});
  auto sku = in_path("sku", sku_id_schema());
  return {route{"GET",
                "/v1/skus/{sku}",
                access::anyone,
                bound<sku_context>(context, read_sku),
                "A SKU's price and availability",
                {400, 404}}
              .with({sku})
              .gives(200, sku_schema(), "The SKU"),
          route{"POST",
                "/v1/skus/{sku}/stock",
                access::seller,
                bound<sku_context>(context, adjust_sku_stock),
                "Receive or remove stock",
                {400, 404, 409, 413, 415}}
              .with({sku, idempotency_key(stock_change_key_size_max, false)})
              .takes(stock_change_schema())
              .gives(200, stock_levels_schema(), "The new levels")};
}

} // namespace tillroll
