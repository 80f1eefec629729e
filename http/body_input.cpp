#include "http/body_input.hpp"

#include "actors/product/product_state.hpp"
#include "actors/sku/sku_state.hpp"
#include "events/json_text.hpp"
#include "http/request_input.hpp"
#include "http/shared_schemas.hpp"

#include <boost/json/serialize.hpp>

namespace tillroll {

namespace json = boost::json;

namespace {

failure invalid(std::string message) {
  return failure{errc::invalid_argument, std::move(message), false};
}

schema title_schema() {
  return schema::text(product_title_size_max, 1);
}

bool is_http_url(std::string_view url) {
  return url.starts_with("https://") || url.starts_with("http://");
}

schema attributes_schema() {
  return schema::map(schema::text(product_attribute_size_max),
                     product_attributes_max)
      .about("names and values of up to " +
             std::to_string(product_attribute_size_max) + " bytes")
      .example(json::object{{"color", "red"}});
}

schema images_schema() {
  return schema::list(schema::text(product_image_url_size_max, 1)
                          .pattern("^https?://", is_http_url, "an http(s) URL"),
                      product_images_max);
}

/// The fields a listing and a change share; `listing` says which are
/// required and which variant fields a new listing takes.
std::vector<property> product_fields(bool listing) {
  auto field = listing ? required : optional;
  auto maybe = [listing](schema type) {
    return listing ? type.nullable() : type;
  };
  std::vector<property> variant{
      required("sku", sku_id_schema()),
      required("price_cents", schema::integer(1, price_cents_max)),
      required("currency", currency_schema())};
  if (listing) {
    variant.push_back(optional("attributes", attributes_schema().nullable()));
    variant.push_back(optional(
        "stock", schema::integer(0, stock_quantity_max)
                     .nullable()
                     .about("units on hand at listing; 0 if left out")));
  }
  return {
      field("title", title_schema()),
      optional("description",
               maybe(schema::text(product_description_size_max))),
      optional("brand", maybe(schema::text(product_title_size_max))),
      field("category", title_schema()),
      optional("attributes", maybe(attributes_schema())),
      optional("images", maybe(images_schema())),
      (listing ? required : optional)(
          "variants", schema::list(schema::object(std::move(variant)),
                                   product_variants_max, listing ? 1 : 0)
                          .about(listing ? "each with its own sku"
                                         : "new prices of existing variants")),
  };
}

/// The variants of a checked body: a listing's whole, a change's prices.
std::vector<product_variant> variants_of(const json::object& body,
                                         bool listing) {
  std::vector<product_variant> out;
  auto* value = body.if_contains("variants");
  if (value == nullptr || value->is_null())
    return out;
  for (auto& item : value->as_array()) {
    auto& fields = item.as_object();
    product_variant variant;
    variant.sku = text_of(fields, "sku");
    variant.price_cents = integer_of(fields, "price_cents").value_or(0);
    variant.currency = text_of(fields, "currency");
    if (listing) {
      variant.attributes = strings_of(fields, "attributes");
      variant.initial_stock = integer_of(fields, "stock").value_or(0);
    }
    out.push_back(std::move(variant));
  }
  return out;
}

} // namespace

const schema& product_listing_schema() {
  static const schema shape = schema::named(
      "ProductListing",
      schema::object(product_fields(true))
          .example(json::object{
              {"title", "Linen shirt"},
              {"category", "Shirts"},
              {"brand", "Acme"},
              {"images", json::array{"https://img.example/shirt.jpg"}},
              {"variants", json::array{json::object{
                               {"sku", "SHIRT-M"},
                               {"price_cents", 2500},
                               {"currency", "USD"},
                               {"attributes", json::object{{"size", "M"}}},
                               {"stock", 10}}}}}));
  return shape;
}

const schema& product_changes_schema() {
  static const schema shape = schema::named(
      "ProductChanges",
      schema::object(product_fields(false))
          .example(json::object{
              {"title", "Linen shirt, washed"},
              {"variants", json::array{json::object{{"sku", "SHIRT-M"},
                                                    {"price_cents", 2700},
                                                    {"currency", "USD"}}}}}));
  return shape;
}

const schema& checkout_schema() {
  static const schema shape = schema::named(
      "Checkout",
      schema::object(
          {required("payment_token",
                    schema::text(payment_token_size_max, 1)
                        .about("tok_visa, tok_declined, tok_timeout or "
                               "tok_error with the built-in PSP")),
           required("shipping_address",
                    schema::any_object().about(
                        "any object, at most " +
                        std::to_string(shipping_address_size_max) +
                        " bytes as JSON")),
           optional(
               "items",
               schema::list(
                   schema::object(
                       {required("sku", sku_id_schema()),
                        required("quantity",
                                 schema::integer(1, order_line_quantity_max))}),
                   order_lines_max, 1)
                   .about("lines bought straight from a product page; "
                          "left out, the cart is bought")),
           optional("flash_sale",
                    schema::object(
                        {required("id", id_schema()),
                         required("ticket",
                                  schema::text(flash_sale_ticket_size_max, 1)
                                      .about("the caller's admitted ticket"))})
                        .about("buy the items (one line, the sale's sku) "
                               "from this flash sale at its price"))})
          .example(json::object{
              {"payment_token", "tok_visa"},
              {"shipping_address",
               json::object{{"name", "Ann"}, {"city", "Berlin"}}}}));
  return shape;
}

expected<product_listed> product_listing_body(const json::object& body) {
  if (auto fits = product_listing_schema().check(body); !fits)
    return std::move(fits).error();
  product_listed listing;
  listing.title = text_of(body, "title");
  listing.description = text_of(body, "description");
  listing.brand = text_of(body, "brand");
  listing.category = text_of(body, "category");
  listing.attributes = strings_of(body, "attributes");
  listing.images = texts_of(body, "images");
  listing.variants = variants_of(body, true);
  return listing;
}

expected<product_changes> product_changes_body(const json::object& body) {
  if (auto fits = product_changes_schema().check(body); !fits)
    return std::move(fits).error();
  product_changes changes;
  auto& listing = changes.listing;
  for (auto [name, field] : {std::pair{"title", &listing.title},
                             std::pair{"description", &listing.description},
                             std::pair{"brand", &listing.brand},
                             std::pair{"category", &listing.category}})
    if (body.contains(name))
      *field = text_of(body, name);
  if (body.contains("attributes"))
    listing.attributes = strings_of(body, "attributes");
  if (body.contains("images"))
    listing.images = texts_of(body, "images");
  changes.prices = variants_of(body, false);
  return changes;
}

expected<checkout_body> checkout_body_of(const json::object& body) {
  if (auto fits = checkout_schema().check(body); !fits)
    return std::move(fits).error();
  checkout_body out;
  out.payment_token = text_of(body, "payment_token");
  out.shipping_address = json_text(body.at("shipping_address"));
  if (out.shipping_address.size() > shipping_address_size_max)
    return invalid("shipping_address is too large");
  if (auto* items = body.if_contains("items"); items != nullptr)
    for (auto& item : items->as_array())
      out.lines.push_back(
          {text_of(item.as_object(), "sku"),
           integer_of(item.as_object(), "quantity").value_or(0)});
  if (auto* sale = body.if_contains("flash_sale"); sale != nullptr) {
    if (out.lines.empty())
      return invalid("a flash sale's checkout names its items");
    out.flash_sale_id = text_of(sale->as_object(), "id");
    out.flash_sale_ticket = text_of(sale->as_object(), "ticket");
  }
  return out;
}

} // namespace tillroll
