// Every event of a product's stream (`product-<id>`): its listing by a
// seller, changes, variants' prices, delisting and reviews. Type ids
// 200-299 belong to products.
#pragma once

#include "events/described.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tillroll {

struct product_variant {
  std::string sku;
  int64_t price_cents = 0;
  std::string currency;
  std::map<std::string, std::string> attributes;
  /// Units on hand at listing; the SKU owns stock from then on.
  int64_t initial_stock = 0;
};
BOOST_DESCRIBE_STRUCT(product_variant, (),
                      (sku, price_cents, currency, attributes, initial_stock))

struct product_listed {
  static constexpr uint32_t type_id = 200;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "product_listed";
  std::string seller_id;
  std::string title;
  std::string description;
  std::string brand;
  std::string category;
  std::map<std::string, std::string> attributes;
  std::vector<std::string> images;
  std::vector<product_variant> variants;
  int64_t listed_at_us = 0;
};
BOOST_DESCRIBE_STRUCT(product_listed, (),
                      (seller_id, title, description, brand, category,
                       attributes, images, variants, listed_at_us))

/// Only the fields present changed.
struct product_changed {
  static constexpr uint32_t type_id = 201;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "product_changed";
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<std::string> brand;
  std::optional<std::string> category;
  std::optional<std::map<std::string, std::string>> attributes;
  std::optional<std::vector<std::string>> images;
};
BOOST_DESCRIBE_STRUCT(product_changed, (),
                      (title, description, brand, category, attributes, images))

struct variant_price_changed {
  static constexpr uint32_t type_id = 202;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "variant_price_changed";
  std::string sku;
  int64_t price_cents = 0;
  std::string currency;
};
BOOST_DESCRIBE_STRUCT(variant_price_changed, (), (sku, price_cents, currency))

/// Out of browse and search; the history stays.
struct product_delisted {
  static constexpr uint32_t type_id = 203;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "product_delisted";
};
BOOST_DESCRIBE_STRUCT(product_delisted, (), ())

struct review_added {
  static constexpr uint32_t type_id = 204;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "review_added";
  std::string buyer_id;
  int32_t rating = 0;
  std::string text;
  int64_t at_us = 0;
};
BOOST_DESCRIBE_STRUCT(review_added, (), (buyer_id, rating, text, at_us))

/// The variants' SKUs exist (registered by the listing's saga step);
/// `rejected_skus` belonged to another product.
struct variants_registered {
  static constexpr uint32_t type_id = 205;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "variants_registered";
  std::vector<std::string> rejected_skus;
};
BOOST_DESCRIBE_STRUCT(variants_registered, (), (rejected_skus))

/// The SKU now charges the variant's new price.
struct variant_price_synced {
  static constexpr uint32_t type_id = 206;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "variant_price_synced";
  std::string sku;
};
BOOST_DESCRIBE_STRUCT(variant_price_synced, (), (sku))

/// Every SKU of the delisted product has stopped selling.
struct skus_withdrawn {
  static constexpr uint32_t type_id = 207;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "skus_withdrawn";
};
BOOST_DESCRIBE_STRUCT(skus_withdrawn, (), ())

using product_event =
    std::variant<product_listed, product_changed, variant_price_changed,
                 product_delisted, review_added, variants_registered,
                 variant_price_synced, skus_withdrawn>;

/// The edits of a listing, folded into whatever holds one: the product's
/// state and the read side's record (projections/catalog/) change alike,
/// or browse would show what the product no longer says.
template <class Listing>
void apply_product_edit(Listing& listing, const product_changed& edit) {
  auto take = [](auto& field, const auto& changed) {
    if (changed)
      field = *changed;
  };
  take(listing.title, edit.title);
  take(listing.description, edit.description);
  take(listing.brand, edit.brand);
  take(listing.category, edit.category);
  take(listing.attributes, edit.attributes);
  take(listing.images, edit.images);
}

template <class Listing>
void apply_product_edit(Listing& listing, const variant_price_changed& edit) {
  for (auto& variant : listing.variants)
    if (variant.sku == edit.sku) {
      variant.price_cents = edit.price_cents;
      variant.currency = edit.currency;
    }
}

} // namespace tillroll
