// Autocomplete: every listed title, brand and category, found by the start
// of any of its words and ranked by popularity, kept in memory and rebuilt
// from the saved model on start.
#pragma once

#include "projections/catalog/product_records.hpp"

#include <cstdint>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tillroll {

/// Autocomplete looks at this many keys under a prefix at most, so a
/// one-letter prefix over a large catalog stays as quick as a long one.
inline constexpr size_t suggestion_scan_max = 5000;

class search_suggestions {
public:
  /// Adds `products` listings (negative: removes them) and `sold` units to
  /// the suggestions of the product's title, brand and category.
  void change(const product_record& product, int64_t products, int64_t sold);
  /// At most min(limit, autocomplete_suggestions_max), most popular first.
  /// Safe from any thread, beside the runner's changes.
  std::vector<std::string> complete(std::string_view prefix,
                                    size_t limit) const;
  void clear();

private:
  struct suggestion {
    std::string text;
    int64_t products = 0;
    int64_t sold = 0;
  };

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, suggestion> suggestions_;
  /// (a word start of the lower-cased text, the lower-cased text).
  std::set<std::pair<std::string, std::string>> keys_;
};

} // namespace tillroll
