// Search: full text with filters and facets, and completions of a
// prefix, over the search index. A search runs on the read lane.
#include "actors/sku/sku_state.hpp"
#include "http/api_internal.hpp"
#include "http/body_input.hpp"
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

/// The search a query string asks for, or the first parameter that is off.
expected<search_query> search_query_of(const query_map& query) {
  search_query search;
  if (auto text = query.find("q"); text != query.end())
    search.text = text->second;
  for (auto [name, field] : {std::pair{"category", &search.category},
                             std::pair{"brand", &search.brand}})
    if (auto found = query.find(name); found != query.end())
      *field = found->second;
  auto low = integer_parameter(query, "min_price", 0, price_cents_max);
  auto high = integer_parameter(query, "max_price", 0, price_cents_max);
  auto rating = integer_parameter(query, "min_rating", 0, 5);
  auto stocked = bool_parameter(query, "in_stock");
  auto limit = limit_parameter(query);
  auto offset = integer_parameter(query, "offset", 0, search_offset_max);
  for (auto* problem :
       {low ? nullptr : &low.error(), high ? nullptr : &high.error(),
        rating ? nullptr : &rating.error(),
        stocked ? nullptr : &stocked.error(), limit ? nullptr : &limit.error(),
        offset ? nullptr : &offset.error()})
    if (problem != nullptr)
      return *problem;
  search.price_min_cents = *low;
  search.price_max_cents = *high;
  if (*rating)
    search.rating_min = static_cast<double>(**rating);
  search.in_stock_only = stocked->value_or(false);
  search.limit = *limit;
  search.offset = static_cast<size_t>(offset->value_or(0));
  auto order = choice_parameter<search_order>(
      query, "sort",
      {{"relevance", search_order::relevance},
       {"price_asc", search_order::price_ascending},
       {"price_desc", search_order::price_descending},
       {"newest", search_order::newest}});
  if (!order)
    return order.error();
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
  auto prefix = request->query.find("prefix");
  if (prefix == request->query.end() || prefix->second.empty())
    return request->fail(errc::invalid_argument, "prefix is required");
  if (prefix->second.size() > autocomplete_prefix_size_max)
    return request->fail(errc::invalid_argument, "prefix is too long");
  auto limit = integer_parameter(request->query, "limit", 1,
                                 autocomplete_suggestions_max);
  if (!limit)
    return request->fail(limit.error());
  json::array suggestions;
  for (auto& text : context.index.autocomplete(
           prefix->second,
           static_cast<size_t>(limit->value_or(autocomplete_suggestions_max))))
    suggestions.push_back(json::value(text));
  request->json(200, json::object{{"suggestions", std::move(suggestions)}});
}

} // namespace

std::vector<route> search_routes(const route_sources& sources) {
  auto context = std::make_shared<const search_context>(
      search_context{*sources.dependencies.search, sources.read_lane});
  return {{"GET",
           "/v1/search",
           access::anyone,
           bound<search_context>(context, search_route),
           "Full-text search with filters and facets",
           {400}},
          {"GET",
           "/v1/autocomplete",
           access::anyone,
           bound<search_context>(context, autocomplete_route),
           "Completions of a prefix",
           {400}}};
}

} // namespace tillroll
