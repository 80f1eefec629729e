#include "http/body_input.hpp"

#include "actors/product/product_state.hpp"
#include "actors/sku/sku_state.hpp"
#include "http/request_input.hpp"

#include <boost/json/serialize.hpp>

#include <tuple>

namespace tillroll {

namespace json = boost::json;

namespace {

failure invalid(std::string message) {
  return failure{errc::invalid_argument, std::move(message), false};
}

expected<std::vector<std::string>>
string_list(const json::object& body, std::string_view name, size_t size_max) {
  std::vector<std::string> out;
  auto* value = body.if_contains(name);
  if (value == nullptr || value->is_null())
    return out;
  if (!value->is_array() || value->as_array().size() > body_list_size_max)
    return invalid(std::string{name} +
                   " must be a list of at most 100 strings");
  for (auto& item : value->as_array()) {
    if (!item.is_string() || item.as_string().size() > size_max)
      return invalid(std::string{name} + " must hold strings of at most " +
                     std::to_string(size_max) + " bytes");
    out.emplace_back(item.as_string());
  }
  return out;
}

expected<product_variant> variant_of(const json::value& value, bool listing) {
  if (!value.is_object())
    return invalid("each variant must be an object");
  auto& item = value.as_object();
  auto known = listing ? only_fields(item, {"sku", "price_cents", "currency",
                                            "attributes", "stock"})
                       : only_fields(item, {"sku", "price_cents", "currency"});
  if (!known)
    return std::move(known).error();
  product_variant variant;
  auto sku = sku_id_field(item, "sku");
  if (!sku)
    return std::move(sku).error();
  variant.sku = std::move(*sku);
  auto price = integer_field(item, "price_cents", 0, price_cents_max);
  if (!price)
    return std::move(price).error();
  variant.price_cents = *price;
  auto currency = text_field(item, "currency", 3);
  if (!currency)
    return std::move(currency).error();
  variant.currency = std::move(*currency);
  if (listing) {
    auto attributes = string_map_field(item, "attributes");
    if (!attributes)
      return std::move(attributes).error();
    variant.attributes = std::move(*attributes);
    auto stock = optional_integer_field(item, "stock", 0, stock_quantity_max);
    if (!stock)
      return std::move(stock).error();
    variant.initial_stock = stock->value_or(0);
  }
  return variant;
}

expected<std::vector<product_variant>> variants_of(const json::object& body,
                                                   bool listing) {
  std::vector<product_variant> out;
  auto* value = body.if_contains("variants");
  if (value == nullptr || value->is_null()) {
    if (listing)
      return invalid("variants is required");
    return out;
  }
  if (!value->is_array() || value->as_array().size() > product_variants_max)
    return invalid("variants must be a list of at most 100 variants");
  for (auto& item : value->as_array()) {
    auto variant = variant_of(item, listing);
    if (!variant)
      return std::move(variant).error();
    out.push_back(std::move(*variant));
  }
  return out;
}

} // namespace

expected<product_listed> product_listing_body(const json::object& body) {
  if (auto known =
          only_fields(body, {"title", "description", "brand", "category",
                             "attributes", "images", "variants"});
      !known)
    return std::move(known).error();
  product_listed listing;
  for (auto [name, field, size_max, required] :
       {std::tuple{"title", &listing.title, product_title_size_max, true},
        std::tuple{"description", &listing.description,
                   product_description_size_max, false},
        std::tuple{"brand", &listing.brand, product_title_size_max, false},
        std::tuple{"category", &listing.category, product_title_size_max,
                   true}}) {
    auto text = text_field(body, name, size_max, required);
    if (!text)
      return std::move(text).error();
    *field = std::move(*text);
  }
  auto attributes = string_map_field(body, "attributes");
  if (!attributes)
    return std::move(attributes).error();
  listing.attributes = std::move(*attributes);
  auto images = string_list(body, "images", product_image_url_size_max);
  if (!images)
    return std::move(images).error();
  listing.images = std::move(*images);
  auto variants = variants_of(body, true);
  if (!variants)
    return std::move(variants).error();
  listing.variants = std::move(*variants);
  return listing;
}

expected<product_changes> product_changes_body(const json::object& body) {
  if (auto known =
          only_fields(body, {"title", "description", "brand", "category",
                             "attributes", "images", "variants"});
      !known)
    return std::move(known).error();
  product_changes changes;
  auto& listing = changes.listing;
  for (auto [name, field, size_max] :
       {std::tuple{"title", &listing.title, product_title_size_max},
        std::tuple{"description", &listing.description,
                   product_description_size_max},
        std::tuple{"brand", &listing.brand, product_title_size_max},
        std::tuple{"category", &listing.category, product_title_size_max}}) {
    auto text = optional_text_field(body, name, size_max);
    if (!text)
      return std::move(text).error();
    *field = std::move(*text);
  }
  if (body.contains("attributes")) {
    auto attributes = string_map_field(body, "attributes", true);
    if (!attributes)
      return std::move(attributes).error();
    listing.attributes = std::move(*attributes);
  }
  if (body.contains("images")) {
    auto images = string_list(body, "images", product_image_url_size_max);
    if (!images)
      return std::move(images).error();
    listing.images = std::move(*images);
  }
  auto prices = variants_of(body, false);
  if (!prices)
    return std::move(prices).error();
  changes.prices = std::move(*prices);
  return changes;
}

expected<checkout_body> checkout_body_of(const json::object& body) {
  if (auto known =
          only_fields(body, {"payment_token", "shipping_address", "items"});
      !known)
    return std::move(known).error();
  checkout_body out;
  auto token = text_field(body, "payment_token", 128);
  if (!token)
    return std::move(token).error();
  out.payment_token = std::move(*token);
  auto* address = body.if_contains("shipping_address");
  if (address == nullptr || !address->is_object())
    return invalid("shipping_address must be an object");
  out.shipping_address = json::serialize(*address);
  if (out.shipping_address.size() > shipping_address_size_max)
    return invalid("shipping_address is too large");
  // Optional lines: buying straight from a product page, without the cart.
  if (auto* items = body.if_contains("items"); items != nullptr) {
    if (!items->is_array() || items->as_array().empty() ||
        items->as_array().size() > order_lines_max)
      return invalid("items must be a list of 1 to 100 lines");
    for (auto& item : items->as_array()) {
      if (!item.is_object())
        return invalid("each item is {sku, quantity}");
      auto& line = item.as_object();
      if (auto known = only_fields(line, {"sku", "quantity"}); !known)
        return std::move(known).error();
      auto sku = sku_id_field(line, "sku");
      auto quantity =
          integer_field(line, "quantity", 1, order_line_quantity_max);
      if (!sku)
        return std::move(sku).error();
      if (!quantity)
        return std::move(quantity).error();
      out.lines.push_back({*sku, *quantity});
    }
  }
  return out;
}

} // namespace tillroll
