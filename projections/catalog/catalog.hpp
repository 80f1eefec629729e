// The catalog read model: every listed product with its public JSON
// rendered once per change and kept with its ETag, so a product page is a
// lookup; and browse by category, brand, seller, price and stock, sorted
// newest, by price, by rating or by units sold, with cursors.
#pragma once

#include "projections/catalog/product_records.hpp"
#include "projections/cursor.hpp"
#include "projections/projection.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace tillroll {

/// A product's public JSON and the ETag of exactly those bytes.
struct rendered_product {
  std::string json;
  std::string etag;
};

/// A product's public JSON, as the catalog keeps it and as a write answers.
rendered_product
render_product(const product_record& product,
               const std::function<bool(const variant_record&)>& in_stock);

enum class browse_order {
  newest,
  price_ascending,
  price_descending,
  rating,
  best_selling
};

struct browse_query {
  std::optional<std::string> category;
  std::optional<std::string> brand;
  std::optional<std::string> seller_id;
  std::optional<int64_t> price_min_cents;
  std::optional<int64_t> price_max_cents;
  bool in_stock_only = false;
  /// Also delisted products: a seller's own listings.
  bool include_delisted = false;
  browse_order order = browse_order::newest;
  size_t limit = list_limit_default;
  /// From a previous page's next_cursor; empty for the first page.
  std::string cursor;
};

/// What recommendations and search need of a product without its JSON.
struct product_features {
  std::string product_id;
  std::string seller_id;
  std::string title;
  std::string brand;
  std::string category;
  std::map<std::string, std::string> attributes;
  int64_t price_cents = 0;
  bool in_stock = false;
  bool delisted = false;
  std::string currency;
};

class catalog final : public projection {
public:
  std::string_view name() const override { return "catalog"; }
  expected<void> load_entry(std::string_view key,
                            std::string_view value) override;
  expected<void> apply(const recorded_event& event,
                       projection_writer& changes) override;
  expected<void> commit() override;
  void reset() override;

  /// The product's rendered page, delisted ones included (their history
  /// stays readable); null if never listed.
  std::shared_ptr<const rendered_product>
  product(std::string_view product_id) const;
  std::optional<product_features> features(std::string_view product_id) const;
  /// Listed products of a category, for similarity; at most `limit`.
  std::vector<product_features> in_category(std::string_view category,
                                            size_t limit) const;
  /// Fails with invalid_argument on a malformed cursor.
  [[nodiscard]] expected<list_page<std::shared_ptr<const rendered_product>>>
  browse(const browse_query& query) const;

private:
  struct sort_keys {
    int64_t listed_at_us = 0;
    int64_t price_cents = 0;
    int64_t rating_milli = 0;
    int64_t units_sold = 0;
    std::string category;
  };
  void refresh(const std::string& product_id);
  void unindex(const std::string& product_id);
  product_features features_of(const product_record& product) const;

  mutable std::shared_mutex mutex_;
  product_records records_;
  std::unordered_map<std::string, std::shared_ptr<const rendered_product>>
      rendered_;
  std::unordered_map<std::string, sort_keys> indexed_;
  std::unordered_map<std::string, std::set<std::string>> by_category_;
  // Sort orders over the listed (not delisted) products: (key, id).
  std::set<std::pair<int64_t, std::string>> by_newest_;
  std::set<std::pair<int64_t, std::string>> by_price_;
  std::set<std::pair<int64_t, std::string>> by_rating_;
  std::set<std::pair<int64_t, std::string>> by_sold_;
  // Products touched by the current batch, rendered at commit.
  std::set<std::string> dirty_;
};

} // namespace tillroll
