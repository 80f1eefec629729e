// Products: listing, pages, changes, delisting, reviews, sellers' own
// listings and recommendations. Reads come from the read models (a page is
// rendered once per change); writes go to the product actor, whose decider
// says who may make them.
#include "actors/cart/cart_state.hpp"
#include "actors/product/product_actor.hpp"
#include "actors/sku/sku_actor.hpp"
#include "http/api_internal.hpp"
#include "http/body_input.hpp"
#include "projections/catalog/catalog.hpp"
#include "projections/orders/order_history.hpp"
#include "projections/recommendations/recommendations.hpp"

#include <boost/json/parse.hpp>

#include <mutex>

namespace tillroll {

namespace json = boost::json;

namespace {

/// Most related or recommended products in one answer.
constexpr size_t recommendations_max = 50;

struct product_context {
  actor_gateway actors;
  const catalog& products;
  const order_history& orders;
  const recommendations& recommend;
};

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
  auto order = choice_parameter<browse_order>(
      query, "sort",
      {{"newest", browse_order::newest},
       {"price_asc", browse_order::price_ascending},
       {"price_desc", browse_order::price_descending},
       {"rating", browse_order::rating}});
  if (!order) {
    request->fail(order.error());
    return std::nullopt;
  }
  browse.order = order->value_or(browse.order);
  browse.cursor = text_parameter(query, "cursor");
  return browse;
}

void answer_browse(const product_context& context, const call_ptr& request,
                   const browse_query& browse) {
  auto page = context.products.browse(browse);
  if (!page)
    return request->fail(page.error());
  std::vector<std::string> items;
  for (auto& item : page->items)
    items.push_back(item->json);
  request->reply(200, page_of_items(items, page->next_cursor));
}

json::array recommendation_items(const product_context& context,
                                 const std::vector<recommendation>& found) {
  json::array items;
  for (auto& item : found) {
    auto features = context.products.features(item.product_id);
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

void create_product(const product_context& context, call_ptr request) {
  auto body = json_body(request->request);
  if (!body)
    return request->fail(body.error());
  auto read = product_listing_body(*body);
  if (!read)
    return request->fail(read.error());
  auto listing = std::move(*read);
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
  auto list_now = [&context, request, product_id, probing] {
    context.actors.ask_entity<product_entity>(
        product_id,
        list_product{caller_of(*request), std::move(probing->listing)},
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
    context.actors.ask_entity<sku_entity>(
        sku, get_sku{},
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

void read_product(const product_context& context, call_ptr request) {
  auto page = context.products.product(request->parameter(0));
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

void change_product_route(const product_context& context, call_ptr request) {
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
  auto seller = caller_of(*request);
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
  *run = [&context, request, plan, product_id, run] {
    auto command = plan->commands[plan->next++];
    context.actors.ask_entity<product_entity>(
        product_id, std::move(command),
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

void delist_product_route(const product_context& context, call_ptr request) {
  auto product_id = request->parameter(0);
  context.actors.ask_entity<product_entity>(
      product_id, delist_product{caller_of(*request)},
      [request, product_id](expected<product_view> view) {
        if (!view)
          return request->fail(view.error());
        request->reply(200, written_page(product_id, *view));
      });
}

void browse_products(const product_context& context, call_ptr request) {
  auto browse = browse_parameters(request);
  if (browse)
    answer_browse(context, request, *browse);
}

void seller_products(const product_context& context, call_ptr request) {
  auto browse = browse_parameters(request);
  if (!browse)
    return;
  browse->seller_id = request->who.user_id;
  answer_browse(context, request, *browse);
}

void add_review_route(const product_context& context, call_ptr request) {
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
  if (!context.products.product(product_id))
    return request->fail(errc::not_found, "no such product");
  auto who = caller_of(*request);
  bool delivered = context.orders.received(who.user_id, product_id);
  context.actors.ask_entity<product_entity>(
      product_id,
      add_review{who, delivered, static_cast<int32_t>(*rating), *text},
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

void related_products(const product_context& context, call_ptr request) {
  auto limit = limit_parameter(request->query);
  if (!limit)
    return request->fail(limit.error());
  auto product_id = request->parameter(0);
  if (!context.products.features(product_id))
    return request->fail(errc::not_found, "no such product");
  auto found = context.recommend.related(
      product_id, context.products, std::min(*limit, recommendations_max));
  request->json(200, json::object{{"items", recommendation_items(context, found)},
                                  {"next_cursor", nullptr}});
}

void buyer_recommendations(const product_context& context, call_ptr request) {
  auto limit = limit_parameter(request->query);
  if (!limit)
    return request->fail(limit.error());
  auto found = context.recommend.for_buyer(
      request->who.user_id, context.products,
      std::min(*limit, recommendations_max));
  request->json(200, json::object{{"items", recommendation_items(context, found)},
                                  {"next_cursor", nullptr}});
}

} // namespace

std::vector<route> product_routes(const route_sources& sources) {
  auto& from = sources.dependencies;
  auto context = std::make_shared<const product_context>(product_context{
      sources.actors, *from.products, *from.orders, *from.recommend});
  auto on = binder(context);
  return {
      {"POST",
       "/v1/products",
       access::seller,
       on(create_product),
       "List a product with its variants",
       {400, 409, 415}},
      {"GET",
       "/v1/products",
       access::anyone,
       on(browse_products),
       "Browse listed products",
       {400}},
      {"GET",
       "/v1/products/{id}",
       access::anyone,
       on(read_product),
       "A product page (ETag, 304)",
       {404}},
      {"PATCH",
       "/v1/products/{id}",
       access::seller,
       on(change_product_route),
       "Change a product or its prices",
       {400, 404, 415}},
      {"DELETE",
       "/v1/products/{id}",
       access::seller,
       on(delist_product_route),
       "Delist a product",
       {404}},
      {"POST",
       "/v1/products/{id}/reviews",
       access::buyer,
       on(add_review_route),
       "Review a received product",
       {400, 404, 409, 415}},
      {"GET",
       "/v1/products/{id}/related",
       access::anyone,
       on(related_products),
       "Bought together and similar products",
       {400, 404}},
      {"GET",
       "/v1/sellers/me/products",
       access::seller,
       on(seller_products),
       "The seller's listings",
       {400}},
      {"GET",
       "/v1/recommendations",
       access::buyer,
       on(buyer_recommendations),
       "Products for the caller",
       {400}},
  };
}

} // namespace tillroll
