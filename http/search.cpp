// Search: full text with filters and facets, and completions of a
// prefix, over the search index. A search runs on the read lane.
#include "actors/sku/sku_state.hpp"
#include "http/api_internal.hpp"
#include "http/shared_schemas.hpp"
#include "projections/search/search_index.hpp"

namespace tillroll {

namespace json = boost::json;

namespace {

/// Longest prefix a completion is asked for.
constexpr size_t autocomplete_prefix_size_max = 100;

struct search_context {
  const search_index& index;
  work_lane& read_lane;
};

constexpr named_choice<search_order> search_orders[] = {
    {"relevance", search_order::relevance},
    {"price_asc", search_order::price_ascending},
    {"price_desc", search_order::price_descending},
    {"newest", search_order::newest}};

/// The search's parameters, as search_query_of reads them.
struct search_parameters {
  parameter text =
      in_query("q", schema::text(search_text_size_max).about("words to find"));
  parameter category = in_query("category", schema::text(256));
  parameter brand = in_query("brand", schema::text(256));
  parameter min_price =
      in_query("min_price", schema::integer(0, price_cents_max));
  parameter max_price =
      in_query("max_price", schema::integer(0, price_cents_max));
  parameter min_rating = in_query("min_rating", schema::integer(0, 5));
  parameter in_stock = in_query("in_stock", schema::boolean());
  parameter offset = in_query(
      "offset", schema::integer(0, static_cast<int64_t>(search_offset_max)));
  parameter sort = in_query("sort", choice_schema(search_orders));
  parameter prefix{parameter_place::query, "prefix",
                   schema::text(autocomplete_prefix_size_max, 1), true};
  parameter suggestions = in_query(
      "limit",
      schema::integer(1, static_cast<int64_t>(autocomplete_suggestions_max)));
};

const search_parameters& parameters() {
  static const search_parameters each;
  return each;
}

/// The search a query string asks for, or the first parameter that is off.
expected<search_query> search_query_of(const query_map& query) {
  auto& by = parameters();
  search_query search;
  auto text = text_parameter(query, by.text);
  auto category = text_parameter(query, by.category);
  auto brand = text_parameter(query, by.brand);
  auto low = integer_parameter(query, by.min_price);
  auto high = integer_parameter(query, by.max_price);
  auto rating = integer_parameter(query, by.min_rating);
  auto stocked = bool_parameter(query, by.in_stock);
  auto limit = limit_parameter(query);
  auto offset = integer_parameter(query, by.offset);
  auto order = choice_parameter(query, by.sort, search_orders);
  for (auto* problem :
       {text ? nullptr : &text.error(), category ? nullptr : &category.error(),
        brand ? nullptr : &brand.error(), low ? nullptr : &low.error(),
        high ? nullptr : &high.error(), rating ? nullptr : &rating.error(),
        stocked ? nullptr : &stocked.error(), limit ? nullptr : &limit.error(),
        offset ? nullptr : &offset.error(), order ? nullptr : &order.error()})
    if (problem != nullptr)
      return *problem;
  search.text = text->value_or("");
  search.category = std::move(*category);
  search.brand = std::move(*brand);
  search.price_min_cents = *low;
  search.price_max_cents = *high;
  if (*rating)
    search.rating_min = static_cast<double>(**rating);
  search.in_stock_only = stocked->value_or(false);
  search.limit = *limit;
  search.offset = static_cast<size_t>(offset->value_or(0));
  search.order = order->value_or(search.order);
  return search;
}

json::object facets_json(const search_result& found) {
  json::object categories, brands;
  for (auto& [name, count] : found.category_counts)
    categories[name] = count;
  for (auto& [name, count] : found.brand_counts)
    brands[name] = count;
  json::array prices;
  for (auto& bucket : found.price_counts)
    prices.push_back(
        json::object{{"min", bucket.min_cents},
                     {"max", bucket.max_cents ? json::value(*bucket.max_cents)
                                              : json::value(nullptr)},
                     {"count", bucket.count}});
  return json::object{{"category", std::move(categories)},
                      {"brand", std::move(brands)},
                      {"price", std::move(prices)}};
}

json::object search_json(const search_result& found) {
  json::array items;
  for (auto& hit : found.items)
    items.push_back(json::object{{"product_id", hit.product_id},
                                 {"title", hit.title},
                                 {"price_cents", hit.price_cents},
                                 {"currency", hit.currency},
                                 {"rating", hit.rating},
                                 {"in_stock", hit.in_stock},
                                 {"score", hit.score}});
  json::object out{{"total", found.total},
                   {"items", std::move(items)},
                   {"facets", facets_json(found)}};
  if (found.did_you_mean) {
    out["did_you_mean"] = *found.did_you_mean;
    out["corrected"] = found.corrected;
  }
  return out;
}

void search_route(const search_context& context, call_ptr request) {
  auto search = search_query_of(request->query);
  if (!search)
    return request->fail(search.error());
  context.read_lane.run(
      request, [&context, request, search = std::move(*search)] {
        auto found = context.index.search(search, now_timestamp());
        if (!found)
          return request->fail(found.error());
        request->json(200, search_json(*found));
      });
}

void autocomplete_route(const search_context& context, call_ptr request) {
  auto& by = parameters();
  auto prefix = text_parameter(request->query, by.prefix);
  if (!prefix)
    return request->fail(prefix.error());
  if (!*prefix || (*prefix)->empty())
    return request->fail(errc::invalid_argument, "prefix is required");
  auto limit = integer_parameter(request->query, by.suggestions);
  if (!limit)
    return request->fail(limit.error());
  json::array suggestions;
  for (auto& text : context.index.autocomplete(
           **prefix,
           static_cast<size_t>(limit->value_or(autocomplete_suggestions_max))))
    suggestions.push_back(json::value(text));
  request->json(200, json::object{{"suggestions", std::move(suggestions)}});
}

} // namespace

std::vector<route> search_routes(const route_sources& sources) {
  auto context = std::make_shared<const search_context>(
      search_context{*sources.dependencies.search, sources.read_lane});
  auto& by = parameters();
  auto counts = schema::map(schema::integer(0));
  auto hit = schema::object(
      {required("product_id", id_schema()), required("title", schema::text()),
       required("price_cents", cents_schema()),
       required("currency", currency_schema()),
       required("rating", schema::number()),
       required("in_stock", schema::boolean()),
       required("score", schema::number().about("relevance, higher first"))});
  auto bucket = schema::object(
      {required("min", cents_schema()),
       required("max", cents_schema().nullable().about("null: no upper end")),
       required("count", schema::integer(0))});
  auto results = schema::named(
      "SearchResults",
      schema::object(
          {required("total", schema::integer(0)),
           required("items", schema::list(hit, list_limit_max)),
           required("facets",
                    schema::object({required("category", counts),
                                    required("brand", counts),
                                    required("price", schema::list(bucket))})),
           optional("did_you_mean",
                    schema::text().about("a spelling with more hits")),
           optional("corrected",
                    schema::boolean().about(
                        "true when the items are for did_you_mean"))}));
  auto suggestions = schema::named(
      "Suggestions",
      schema::object({required(
          "suggestions",
          schema::list(schema::text(), autocomplete_suggestions_max))}));
  return {
      route{"GET",
            "/v1/search",
            access::anyone,
            bound<search_context>(context, search_route),
            "Full-text search with filters and facets",
            {400}}
          .with({by.text, by.category, by.brand, by.min_price, by.max_price,
                 by.min_rating, by.in_stock, by.sort, limit_query(), by.offset})
          .gives(200, results, "The hits of the page and the facets"),
      route{"GET",
            "/v1/autocomplete",
            access::anyone,
            bound<search_context>(context, autocomplete_route),
            "Completions of a prefix",
            {400}}
          .with({by.prefix, by.suggestions})
          .gives(200, suggestions, "Titles that start so")};
}

} // namespace tillroll
