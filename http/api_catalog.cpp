// Catalog, SKUs, sellers, search and recommendations: reads come from the
// read models (product pages are rendered once per change), writes go to
// the product and SKU actors.
#include "actors/cart/cart_state.hpp"
#include "actors/product/product_actor.hpp"
#include "actors/sku/sku_actor.hpp"
#include "http/api_internal.hpp"
#include "http/body_input.hpp"
#include "projections/catalog/catalog.hpp"
#include "projections/orders/order_history.hpp"
#include "projections/recommendations/recommendations.hpp"
#include "projections/search/search_index.hpp"

#include <boost/json/parse.hpp>

#include <mutex>

namespace tillroll {

namespace json = boost::json;

namespace {

/// The page of a product as a write answers it, before the catalog has it.
std::string written_page(const std::string& product_id,
                         const product_view& view) {
  auto record =
      make_product_record(product_id, view.listing, view.listing.listed_at_us);
  record.delisted = view.delisted;
  std::map<std::string, int64_t> stock;
  for (auto& variant : view.listing.variants)
    stock[variant.sku] = variant.initial_stock;
  return render_product(record,
                        [&](const variant_record& variant) {
                          return stock[variant.sku] > 0;
                        })
      .json;
}

std::string page_of_items(const std::vector<std::string>& items,
                          const std::optional<std::string>& next_cursor) {
  std::string body = "{\"items\":[";
  for (size_t index = 0; index < items.size(); ++index) {
    if (index > 0)
      body += ',';
    body += items[index];
  }
  body += "],\"next_cursor\":";
  body += next_cursor ? json::serialize(json::value(*next_cursor)) : "null";
  body += '}';
  return body;
}

std::optional<browse_query> browse_parameters(const call_ptr& request) {
  auto& query = request->query;
  browse_query browse;
  for (auto [name, field] : {std::pair{"category", &browse.category},
                             std::pair{"brand", &browse.brand},
                             std::pair{"seller", &browse.seller_id}})
    if (auto found = query.find(name); found != query.end())
      *field = found->second;
  auto low = integer_parameter(query, "min_price", 0, price_cents_max);
  auto high = integer_parameter(query, "max_price", 0, price_cents_max);
  auto stocked = bool_parameter(query, "in_stock");
  auto limit = limit_parameter(query);
  for (auto* problem :
       {low ? nullptr : &low.error(), high ? nullptr : &high.error(),
        stocked ? nullptr : &stocked.error(), limit ? nullptr : &limit.error()})
    if (problem != nullptr) {
      request->fail(*problem);
      return std::nullopt;
    }
  browse.price_min_cents = *low;
  browse.price_max_cents = *high;
  browse.in_stock_only = stocked->value_or(false);
  browse.limit = *limit;
  if (auto sort = query.find("sort"); sort != query.end()) {
    if (sort->second == "newest")
      browse.order = browse_order::newest;
    else if (sort->second == "price_asc")
      browse.order = browse_order::price_ascending;
    else if (sort->second == "price_desc")
      browse.order = browse_order::price_descending;
    else if (sort->second == "rating")
      browse.order = browse_order::rating;
    else {
      request->fail(errc::invalid_argument,
                    "sort must be newest, price_asc, price_desc or rating");
      return std::nullopt;
    }
  }
  browse.cursor = text_parameter(query, "cursor");
  return browse;
}

void answer_browse(api::impl& api, const call_ptr& request,
                   const browse_query& browse) {
  auto page = api.dependencies.products->browse(browse);
  if (!page)
    return request->fail(page.error());
  std::vector<std::string> items;
  for (auto& item : page->items)
    items.push_back(item->json);
  request->reply(200, page_of_items(items, page->next_cursor));
}

json::array recommendation_items(api::impl& api,
                                 const std::vector<recommendation>& found) {
  json::array items;
  for (auto& item : found) {
    auto features = api.dependencies.products->features(item.product_id);
    if (!features)
      continue;
    items.push_back(json::object{{"product_id", item.product_id},
                                 {"title", features->title},
                                 {"price_cents", features->price_cents},
                                 {"in_stock", features->in_stock},
                                 {"score", item.score},
                                 {"reason", item.reason}});
  }
  return items;
}

} // namespace

void create_product(api::impl& api, call_ptr request) {
  auto body = json_body(request->request);
  if (!body)
    return request->fail(body.error());
  auto read = product_listing_body(*body);
  if (!read)
    return request->fail(read.error());
  auto listing = std::move(*read);
  listing.seller_id = request->who.user_id;
  auto product_id = random_id("p");
  // A SKU another product already has is refused up front, so the answer
  // never shows a variant the listing cannot keep. (The product's saga
  // still leaves out one taken in the meantime, and the SKU refuses every
  // change from a product not its own.)
  // The answers come in on several CAF threads at once.
  struct probe {
    std::mutex mutex;
    size_t waiting = 0;
    std::vector<std::string> taken;
    std::optional<failure> failed;
    product_listed listing;
  };
  auto probing = std::make_shared<probe>();
  probing->waiting = listing.variants.size();
  probing->listing = std::move(listing);
  auto list_now = [&api, request, product_id, probing] {
    ask_entity<product_entity>(
        api, product_id, list_product{std::move(probing->listing)},
        [request, product_id](expected<product_view> view) {
          if (!view)
            return request->fail(view.error());
          request->reply(201, written_page(product_id, *view),
                         {{"Location", "/v1/products/" + product_id}});
        });
  };
  auto skus = std::vector<std::string>{};
  for (auto& variant : probing->listing.variants)
    skus.push_back(variant.sku);
  if (skus.empty())
    return list_now();
  for (auto& sku : skus)
    ask_entity<sku_entity>(
        api, sku, get_sku{},
        [request, probing, sku, list_now](expected<sku_view> found) {
          std::unique_lock guard{probing->mutex};
          if (found)
            probing->taken.push_back(sku);
          else if (found.error().code != errc::not_found)
            probing->failed = found.error();
          if (--probing->waiting > 0)
            return;
          guard.unlock();
          if (probing->failed)
            return request->fail(*probing->failed);
          if (!probing->taken.empty()) {
            json::array taken;
            for (auto& sku : probing->taken)
              taken.push_back(json::value(sku));
            return request->fail(
                failure{errc::conflict,
                        "a sku belongs to another product: " +
                            probing->taken.front(),
                        false},
                json::serialize(json::object{{"skus", std::move(taken)}}));
          }
          list_now();
        });
}

void read_product(api::impl& api, call_ptr request) {
  auto page = api.dependencies.products->product(request->parameter(0));
  if (!page)
    return request->fail(errc::not_found, "no such product");
  std::vector<std::pair<std::string, std::string>> headers{
      {"ETag", page->etag}, {"Cache-Control", "public, max-age=60"}};
  auto seen = request->request.header("If-None-Match");
  if (!seen.empty() && (seen == page->etag || seen == "*" ||
                        seen.find(page->etag) != std::string_view::npos))
    return request->respond(
        http_response{304, "application/json", std::move(headers), {}});
  request->reply(200, page->json, std::move(headers));
}

void change_product_route(api::impl& api, call_ptr request) {
  auto body = json_body(request->request);
  if (!body)
    return request->fail(body.error());
  auto read = product_changes_body(*body);
  if (!read)
    return request->fail(read.error());
  auto changes = std::move(read->listing);
  auto prices = std::move(read->prices);
  bool listing_changes = changes.title || changes.description ||
                         changes.brand || changes.category ||
                         changes.attributes || changes.images;
  if (!listing_changes && prices.empty())
    return request->fail(errc::invalid_argument, "nothing to change");
  auto product_id = request->parameter(0);
  auto seller = request->who.user_id;
  // One command after the other: the product actor checks ownership on
  // each, and the first refusal is the answer.
  struct steps {
    std::vector<product_command> commands;
    size_t next = 0;
  };
  auto plan = std::make_shared<steps>();
  if (listing_changes)
    plan->commands.push_back(change_product{seller, std::move(changes)});
  for (auto& price : prices)
    plan->commands.push_back(change_variant_price{
        seller, price.sku, price.price_cents, price.currency});
  auto run = std::make_shared<std::function<void()>>();
  *run = [&api, request, plan, product_id, run] {
    auto command = plan->commands[plan->next++];
    ask_entity<product_entity>(
        api, product_id, std::move(command),
        [request, plan, product_id, run](expected<product_view> view) {
          if (!view) {
            *run = nullptr;
            return request->fail(view.error());
          }
          if (plan->next < plan->commands.size())
            return (*run)();
          *run = nullptr;
          request->reply(200, written_page(product_id, *view));
        });
  };
  (*run)();
}

void delist_product_route(api::impl& api, call_ptr request) {
  auto product_id = request->parameter(0);
  ask_entity<product_entity>(
      api, product_id, delist_product{request->who.user_id},
      [request, product_id](expected<product_view> view) {
        if (!view)
          return request->fail(view.error());
        request->reply(200, written_page(product_id, *view));
      });
}

void browse_products(api::impl& api, call_ptr request) {
  auto browse = browse_parameters(request);
  if (browse)
    answer_browse(api, request, *browse);
}

void seller_products(api::impl& api, call_ptr request) {
  auto browse = browse_parameters(request);
  if (!browse)
    return;
  browse->seller_id = request->who.user_id;
  answer_browse(api, request, *browse);
}

void read_sku(api::impl& api, call_ptr request) {
  auto sku = request->parameter(0);
  if (auto valid = check_sku_id(sku); !valid)
    return request->fail(valid.error());
  ask_entity<sku_entity>(
      api, sku, get_sku{}, [request, sku](expected<sku_view> view) {
        if (!view)
          return request->fail(view.error());
        request->json(200, json::object{{"sku", sku},
                                        {"product_id", view->product_id},
                                        {"price_cents", view->price_cents},
                                        {"currency", view->currency},
                                        {"available", view->available}});
      });
}

void adjust_sku_stock(api::impl& api, call_ptr request) {
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
  // The SKU checks that the caller is its seller, where the stock changes.
  ask_entity<sku_entity>(
      api, sku, adjust_stock{*delta, request->who.user_id, std::move(key)},
      [request, sku](expected<sku_view> after) {
        if (!after)
          return request->fail(after.error());
        request->json(200,
                      json::object{{"sku", sku},
                                   {"on_hand", after->received - after->sold},
                                   {"reserved", after->reserved},
                                   {"sold", after->sold},
                                   {"available", after->available}});
      });
}

void add_review_route(api::impl& api, call_ptr request) {
  auto body = body_of(request, {"rating", "text"});
  if (!body)
    return;
  auto rating = integer_field(*body, "rating", 1, 5);
  if (!rating)
    return request->fail(rating.error());
  auto text = text_field(*body, "text", review_text_size_max, false);
  if (!text)
    return request->fail(text.error());
  auto product_id = request->parameter(0);
  if (!api.dependencies.products->product(product_id))
    return request->fail(errc::not_found, "no such product");
  auto buyer = request->who.user_id;
  bool received = api.dependencies.orders->received(buyer, product_id);
  ask_entity<product_entity>(
      api, product_id,
      add_review{buyer, received, static_cast<int32_t>(*rating), *text},
      [request, product_id, rating = *rating,
       text = *text](expected<product_view> view) {
        if (!view)
          return request->fail(view.error());
        request->json(201, json::object{{"product_id", product_id},
                                        {"rating", rating},
                                        {"text", text},
                                        {"product_rating", view->rating},
                                        {"review_count", view->review_count}});
      });
}

void search_route(api::impl& api, call_ptr request) {
  auto& query = request->query;
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
      return request->fail(*problem);
  search.price_min_cents = *low;
  search.price_max_cents = *high;
  if (*rating)
    search.rating_min = static_cast<double>(**rating);
  search.in_stock_only = stocked->value_or(false);
  search.limit = *limit;
  search.offset = static_cast<size_t>(offset->value_or(0));
  if (auto sort = query.find("sort"); sort != query.end()) {
    if (sort->second == "relevance")
      search.order = search_order::relevance;
    else if (sort->second == "price_asc")
      search.order = search_order::price_ascending;
    else if (sort->second == "price_desc")
      search.order = search_order::price_descending;
    else if (sort->second == "newest")
      search.order = search_order::newest;
    else
      return request->fail(
          errc::invalid_argument,
          "sort must be relevance, price_asc, price_desc or newest");
  }
  api.run_slow(request, [&api, request, search = std::move(search)] {
    auto found = api.dependencies.search->search(search, now_timestamp());
    if (!found)
      return request->fail(found.error());
    json::array items;
    for (auto& hit : found->items)
      items.push_back(json::object{{"product_id", hit.product_id},
                                   {"title", hit.title},
                                   {"price_cents", hit.price_cents},
                                   {"currency", hit.currency},
                                   {"rating", hit.rating},
                                   {"in_stock", hit.in_stock},
                                   {"score", hit.score}});
    json::object categories, brands;
    for (auto& [name, count] : found->category_counts)
      categories[name] = count;
    for (auto& [name, count] : found->brand_counts)
      brands[name] = count;
    json::array prices;
    for (auto& bucket : found->price_counts)
      prices.push_back(
          json::object{{"min", bucket.min_cents},
                       {"max", bucket.max_cents ? json::value(*bucket.max_cents)
                                                : json::value(nullptr)},
                       {"count", bucket.count}});
    json::object out{
        {"total", found->total},
        {"items", std::move(items)},
        {"facets", json::object{{"category", std::move(categories)},
                                {"brand", std::move(brands)},
                                {"price", std::move(prices)}}}};
    if (found->did_you_mean) {
      out["did_you_mean"] = *found->did_you_mean;
      out["corrected"] = found->corrected;
    }
    request->json(200, out);
  });
}

void autocomplete_route(api::impl& api, call_ptr request) {
  auto prefix = request->query.find("prefix");
  if (prefix == request->query.end() || prefix->second.empty())
    return request->fail(errc::invalid_argument, "prefix is required");
  if (prefix->second.size() > 100)
    return request->fail(errc::invalid_argument, "prefix is too long");
  auto limit = integer_parameter(request->query, "limit", 1,
                                 autocomplete_suggestions_max);
  if (!limit)
    return request->fail(limit.error());
  json::array suggestions;
  for (auto& text : api.dependencies.search->autocomplete(
           prefix->second, static_cast<size_t>(limit->value_or(10))))
    suggestions.push_back(json::value(text));
  request->json(200, json::object{{"suggestions", std::move(suggestions)}});
}

void related_products(api::impl& api, call_ptr request) {
  auto limit = limit_parameter(request->query);
  if (!limit)
    return request->fail(limit.error());
  auto product_id = request->parameter(0);
  if (!api.dependencies.products->features(product_id))
    return request->fail(errc::not_found, "no such product");
  auto found = api.dependencies.recommend->related(
      product_id, *api.dependencies.products, std::min<size_t>(*limit, 50));
  request->json(200, json::object{{"items", recommendation_items(api, found)},
                                  {"next_cursor", nullptr}});
}

void buyer_recommendations(api::impl& api, call_ptr request) {
  auto limit = limit_parameter(request->query);
  if (!limit)
    return request->fail(limit.error());
  auto found = api.dependencies.recommend->for_buyer(
      request->who.user_id, *api.dependencies.products,
      std::min<size_t>(*limit, 50));
  request->json(200, json::object{{"items", recommendation_items(api, found)},
                                  {"next_cursor", nullptr}});
}

} // namespace tillroll
