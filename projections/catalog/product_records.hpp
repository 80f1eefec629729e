// The fold of product and SKU events into what the read side shows of a
// product: its listing, its variants' prices and stock levels, rating and
// units sold. Written once and used by the catalog, search and
// recommendation projections, each keeping its own copy under its own
// prefix so each can be rebuilt alone.
#pragma once

#include "events/envelope.hpp"
#include "events/expected.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tillroll {

class projection_writer;

struct variant_record {
  std::string sku;
  int64_t price_cents = 0;
  std::string currency;
  std::map<std::string, std::string> attributes;
  template <class Archive> void serialize(Archive& archive) {
    archive(sku, price_cents, currency, attributes);
  }
};

struct product_record {
  std::string product_id;
  std::string seller_id;
  std::string title;
  std::string description;
  std::string brand;
  std::string category;
  std::map<std::string, std::string> attributes;
  std::vector<std::string> images;
  std::vector<variant_record> variants;
  int64_t listed_at_us = 0;
  int64_t changed_at_us = 0;
  bool delisted = false;
  int64_t rating_sum = 0;
  int64_t rating_count = 0;

  /// The lowest variant price: what browse sorts and filters by.
  int64_t price_cents() const;
  std::string_view currency() const;
  double rating() const;

  template <class Archive> void serialize(Archive& archive) {
    archive(product_id, seller_id, title, description, brand, category,
            attributes, images, variants, listed_at_us, changed_at_us, delisted,
            rating_sum, rating_count);
  }
};

struct product_listed;

/// The record of a fresh listing.
product_record make_product_record(std::string product_id,
                                   const product_listed& listing,
                                   int64_t changed_at_us);

/// A SKU's stock as the read side sees it; the SKU actor stays the
/// authority at checkout.
struct sku_level {
  std::string product_id;
  int64_t received = 0;
  int64_t sold = 0;
  int64_t reserved = 0;
  /// Open reservations by order: their end events carry no quantity.
  std::map<std::string, int64_t> holds;

  int64_t available() const { return received - sold - reserved; }
  template <class Archive> void serialize(Archive& archive) {
    archive(product_id, received, sold, reserved, holds);
  }
};

/// What one event changed, so a read model redoes only what it must.
struct product_change {
  std::string product_id;
  /// Title, texts, attributes, prices, rating, delisting or listing.
  bool listing = false;
  /// Some variant went in or out of stock.
  bool availability = false;
  int64_t sold_delta = 0;
  /// The record before a listing change (absent for a new listing).
  std::optional<product_record> before;
};

class product_records {
public:
  /// Folds one event; nullopt when it concerns no product. Persists what
  /// changed through `changes`.
  [[nodiscard]] expected<std::optional<product_change>>
  apply(const recorded_event& event, projection_writer& changes);

  /// Takes back an entry written by apply; false if the key is not ours.
  [[nodiscard]] expected<bool> load_entry(std::string_view key,
                                          std::string_view value);
  void reset();

  const product_record* find(std::string_view product_id) const;
  const sku_level* level(std::string_view sku) const;
  bool in_stock(const variant_record& variant) const;
  /// Any variant in stock.
  bool in_stock(const product_record& product) const;
  int64_t units_sold(const product_record& product) const;

  const std::unordered_map<std::string, product_record>& products() const {
    return products_;
  }

private:
  expected<std::optional<product_change>>
  apply_product(const std::string& id, const recorded_event& record,
                projection_writer& changes);
  expected<std::optional<product_change>>
  apply_sku(const std::string& id, const recorded_event& record,
            projection_writer& changes);
  void persist(const product_record& product, projection_writer& changes);
  void persist(const std::string& sku, const sku_level& level,
               projection_writer& changes);

  std::unordered_map<std::string, product_record> products_;
  std::unordered_map<std::string, sku_level> levels_;
};

} // namespace tillroll
