// Products: listing, pages, changes, delisting, reviews, sellers' own
// listings and recommendations. Reads come from the read models (a page is
// rendered once per change); writes go to the product actor, whose decider
// says who may make them.
#include "actors/cart/cart_state.hpp"
#include "actors/product/product_actor.hpp"
#include "actors/sku/sku_actor.hpp"
#include "events/json_text.hpp"
#include "http/api_internal.hpp"
#include "http/body_input.hpp"
#include "http/shared_schemas.hpp"
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

schema product_schema() {
  auto attributes = schema::map(schema::text());
  auto variant = schema::object({required("sku", sku_id_schema()),
                                 required("price_cents", cents_schema()),
                                 required("currency", currency_schema()),
                                 required("attributes", attributes),
                                 required("in_stock", schema::boolean())});
  return schema::named(
      "Product",
      schema::object(
          {required("id", id_schema()), required("seller_id", id_schema()),
           required("title", schema::text()),
           required("description", schema::text()),
           required("brand", schema::text()),
           required("category", schema::text()),
           required("attributes", attributes),
           required("images",
                    schema::list(schema::text().about("an http(s) URL"))),
           required("variants", schema::list(variant, product_variants_max, 1)),
           required("price_cents",
                    cents_schema().about("the lowest variant price")),
           required("currency", currency_schema()),
           required("rating", schema::number().about("mean of the reviews, "
                                                     "0 without any")),
           required("review_count", schema::integer(0)),
           required("in_stock", schema::boolean()),
           required("listed", schema::boolean().about("false once delisted")),
           required("listed_at_us",
                    schema::integer(0).about("microseconds since 1970"))}));
}

schema recommendation_schema() {
  return schema::named("Recommendation",
                       schema::object({required("product_id", id_schema()),
                                       required("title", schema::text()),
                                       required("price_cents", cents_schema()),
                                       required("currency", currency_schema()),
                                       required("in_stock", schema::boolean()),
                                       required("score", schema::number()),
                                       required("reason", schema::text())}));
}

const schema& review_schema() {
  static const schema shape = schema::named(
      "ReviewGiven",
      schema::object(
          {required("rating", schema::integer(1, 5)),
           optional("text", schema::text(review_text_size_max).nullable())})
          .example(json::object{{"rating", 5}, {"text", "Fits well"}}));
  return shape;
}

schema review_answer_schema() {
  return schema::named(
      "Review", schema::object({required("product_id", id_schema()),
                                required("rating", schema::integer(1, 5)),
                                required("text", schema::text()),
                                required("product_rating", schema::number()),
                                required("review_count", schema::integer(0))}));
}

constexpr named_choice<browse_order> browse_orders[] = {
    {"newest", browse_order::newest},
    {"price_asc", browse_order::price_ascending},
    {"price_desc", browse_order::price_descending},
    {"rating", browse_order::rating},
    {"best_selling", browse_order::best_selling}};

/// Browse's filters, as browse_parameters reads them.
struct browse_filters {
  parameter category =
      in_query("category", schema::text(product_title_size_max));
  parameter brand = in_query("brand", schema::text(product_title_size_max));
  parameter seller = in_query("seller", schema::text(256).about("a seller id"));
  parameter min_price =
      in_query("min_price", schema::integer(0, price_cents_max));
  parameter max_price =
      in_query("max_price", schema::integer(0, price_cents_max));
  parameter in_stock = in_query("in_stock", schema::boolean());
  parameter sort = in_query("sort", choice_schema(browse_orders));

  std::vector<parameter> all(bool with_seller) const {
    std::vector<parameter> out{category, brand};
    if (with_seller)
      out.push_back(seller);
    for (auto* each : {&min_price, &max_price, &in_stock, &sort})
      out.push_back(*each);
    out.push_back(limit_query());
    out.push_back(cursor_query());
    return out;
  }
};

const browse_filters& filters() {
  static const browse_filters each;
  return each;
}

struct product_context {
  actor_gateway actors;
  const catalog& products;
  const order_history& orders;
  const recommendations& recommend;
  work_lane& read_lane;
  decltype(api_dependencies::product_reviews) reviews;
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
  body += next_cursor ? json_text(json::value(*next_cursor)) : "null";
  body += '}';
  return body;
}

std::optional<browse_query> browse_parameters(const call_ptr& request) {
  auto& query = request->query;
  auto& by = filters();
  browse_query browse;
  auto category = text_parameter(query, by.category);
  auto brand = text_parameter(query, by.brand);
  auto seller = text_parameter(query, by.seller);
  auto cursor = text_parameter(query, cursor_query());
  auto low = integer_parameter(query, by.min_price);
  auto high = integer_parameter(query, by.max_price);
  auto stocked = bool_parameter(query, by.in_stock);
  auto limit = limit_parameter(query);
  auto order = choice_parameter(query, by.sort, browse_orders);
  for (auto* problem :
       {category ? nullptr : &category.error(),
        brand ? nullptr : &brand.error(), seller ? nullptr : &seller.error(),
        cursor ? nullptr : &cursor.error(), low ? nullptr : &low.error(),
        high ? nullptr : &high.error(), stocked ? nullptr : &stocked.error(),
        limit ? nullptr : &limit.error(), order ? nullptr : &order.error()})
    if (problem != nullptr) {
      request->fail(*problem);
      return std::nullopt;
    }
  browse.category = std::move(*category);
  browse.brand = std::move(*brand);
  browse.seller_id = std::move(*seller);
  browse.price_min_cents = *low;
  browse.price_max_cents = *high;
  browse.in_stock_only = stocked->value_or(false);
  browse.limit = *limit;
  browse.order = order->value_or(browse.order);
  browse.cursor = cursor->value_or("");
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
                                 {"currency", features->currency},
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
                json_text(json::object{{"skus", std::move(taken)}}));
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
  if (!seen.empty() && if_none_match_covers(seen, page->etag))
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
  // One command: the product's decider checks every part before any
  // event, so a refused change leaves the product as it was.
  context.actors.ask_entity<product_entity>(
      request->parameter(0),
      change_product{caller_of(*request), std::move(changes),
                     std::move(prices)},
      [request,
       product_id = request->parameter(0)](expected<product_view> view) {
        if (!view)
          return request->fail(view.error());
        request->reply(200, written_page(product_id, *view));
      });
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
  auto body = body_of(request, review_schema());
  if (!body)
    return;
  auto rating = integer_of(*body, "rating");
  auto text = text_of(*body, "text");
  auto product_id = request->parameter(0);
  if (!context.products.product(product_id))
    return request->fail(errc::not_found, "no such product");
  auto who = caller_of(*request);
  bool delivered = context.orders.received(who.user_id, product_id);
  context.actors.ask_entity<product_entity>(
      product_id,
      add_review{who, delivered, static_cast<int32_t>(*rating), text},
      [request, product_id, rating = *rating,
       text](expected<product_view> view) {
        if (!view)
          return request->fail(view.error());
        request->json(201, json::object{{"product_id", product_id},
                                        {"rating", rating},
                                        {"text", text},
                                        {"product_rating", view->rating},
                                        {"review_count", view->review_count}});
      });
}

/// Most reviews a page lists.
constexpr int64_t reviews_page_max = 50;

const parameter& reviews_cursor() {
  static const parameter cursor = in_query(
      "cursor", schema::integer(2).about("a previous page's next_cursor"));
  return cursor;
}

const parameter& reviews_limit() {
  static const parameter limit =
      in_query("limit", schema::integer(1, reviews_page_max)
                            .about("most reviews; 10 if left out"));
  return limit;
}

void list_reviews_route(const product_context& context, call_ptr request) {
  auto before = integer_parameter(request->query, reviews_cursor());
  if (!before)
    return request->fail(before.error());
  auto limit = integer_parameter(request->query, reviews_limit());
  if (!limit)
    return request->fail(limit.error());
  auto product_id = request->parameter(0);
  if (!context.products.product(product_id))
    return request->fail(errc::not_found, "no such product");
  context.read_lane.run(request, [&context, request, product_id,
                                  before = before->value_or(INT64_MAX),
                                  limit = limit->value_or(10)] {
    auto page = context.reviews(product_id, static_cast<uint64_t>(before),
                                static_cast<size_t>(limit));
    if (!page)
      return request->fail(page.error());
    request->reply(200, std::move(*page));
  });
}

schema reviews_page_schema() {
  return schema::named(
      "ReviewPage",
      schema::object(
          {required(
               "items",
               schema::list(
                   schema::object({required("rating", schema::integer(1, 5)),
                                   required("text", schema::text()),
                                   required("at", time_schema()),
                                   required("sequence", schema::integer(1))}),
                   reviews_page_max)),
           required(
               "next_cursor",
               schema::text().about("the next page's cursor").nullable())}));
}

void related_products(const product_context& context, call_ptr request) {
  auto limit = limit_parameter(request->query);
  if (!limit)
    return request->fail(limit.error());
  auto product_id = request->parameter(0);
  if (!context.products.features(product_id))
    return request->fail(errc::not_found, "no such product");
  auto found = context.recommend.related(product_id, context.products,
                                         std::min(*limit, recommendations_max));
  request->json(200,
                json::object{{"items", recommendation_items(context, found)},
                             {"next_cursor", nullptr}});
}

void buyer_recommendations(const product_context& context, call_ptr request) {
  auto limit = limit_parameter(request->query);
  if (!limit)
    return request->fail(limit.error());
  auto found =
      context.recommend.for_buyer(request->who.user_id, context.products,
                                  std::min(*limit, recommendations_max));
  request->json(200,
                json::object{{"items", recommendation_items(context, found)},
                             {"next_cursor", nullptr}});
}

/// What a product page's answers carry for caches.
std::vector<answer_header> cached_page_headers() {
  return {{"ETag", schema::text(), "the page's version, for If-None-Match"},
          {"Cache-Control", schema::text(), "public, max-age=60"}};
}

/// Reviews, related products, recommendations and the seller's own
/// listings.
std::vector<route>
discovery_routes(const std::shared_ptr<const product_context>& context) {
  auto on = binder(context);
  auto id = in_path("id", id_schema());
  auto recommended = page_schema("RecommendationPage", recommendation_schema());
  auto browse_page = page_schema("ProductPage", product_schema());
  return {
      route{"GET",
            "/v1/products/{id}/related",
            access::anyone,
            on(related_products),
            "Bought together and similar products",
            {400, 404}}
          .with({id, limit_query()})
          .gives(200, recommended, "Related products, best first"),
      route{"POST",
            "/v1/products/{id}/reviews",
            access::buyer,
            on(add_review_route),
            "Review a received product",
            {400, 404, 409, 413, 415}}
          .with({id})
          .takes(review_schema())
          .gives(201, review_answer_schema(), "The review, counted"),
      route{"GET",
            "/v1/products/{id}/reviews",
            access::anyone,
            on(list_reviews_route),
            "A product's reviews, newest first",
            {400, 404}}
          .with({id, reviews_limit(), reviews_cursor()})
          .gives(200, reviews_page_schema(), "A page of reviews"),
      route{"GET",
            "/v1/sellers/me/products",
            access::seller,
            on(seller_products),
            "The seller's listings",
            {400}}
          .with(filters().all(false))
          .gives(200, browse_page, "A page of the seller's products"),
      route{"GET",
            "/v1/recommendations",
            access::buyer,
            on(buyer_recommendations),
            "Products for the caller",
            {400}}
          .with({limit_query()})
          .gives(200, recommended, "Products for the caller, best first"),
  };
}

} // namespace

std::vector<route> product_routes(const route_sources& sources) {
  auto& from = sources.dependencies;
  auto context = std::make_shared<const product_context>(product_context{
      sources.actors, *from.products, *from.orders, *from.recommend,
      sources.read_lane, from.product_reviews});
  auto on = binder(context);
  auto id = in_path("id", id_schema());
  auto product = product_schema();
  auto browse_page = page_schema("ProductPage", product);
  auto page_headers = cached_page_headers();
  std::vector<route> routes{
      route{"POST",
            "/v1/products",
            access::seller,
            on(create_product),
            "List a product with its variants",
            {400, 409, 413, 415}}
          .takes(product_listing_schema())
          .gives(201, product, "The product page",
                 {{"Location", schema::text(), "the product's path"}}),
      route{"GET",
            "/v1/products",
            access::anyone,
            on(browse_products),
            "Browse listed products",
            {400}}
          .with(filters().all(true))
          .gives(200, browse_page, "A page of products"),
      route{"GET",
            "/v1/products/{id}",
            access::anyone,
            on(read_product),
            "A product page (ETag, 304)",
            {404}}
          .with({id, in_header("If-None-Match",
                               schema::text(1024).about(
                                   "an ETag of this page: 304 if current"))})
          .gives(200, product, "The product page", page_headers)
          .gives(answer{304, std::nullopt, "The page is as the ETag says",
                        page_headers}),
      route{"PATCH",
            "/v1/products/{id}",
            access::seller,
            on(change_product_route),
            "Change a product or its prices",
            {400, 404, 409, 413, 415}}
          .with({id})
          .takes(product_changes_schema())
          .gives(200, product, "The product page after the change"),
      route{"DELETE",
            "/v1/products/{id}",
            access::seller,
            on(delist_product_route),
            "Delist a product",
            {404, 409}}
          .with({id})
          .gives(200, product, "The product page, listed false"),
  };
  for (auto& entry : discovery_routes(context))
    routes.push_back(std::move(entry));
  return routes;
}

} // namespace tillroll
