// The search read model: a Xapian index on disk under the data directory,
// fed from the log. Full text with BM25 (title above description), English
// stemming, filters, facets with exact counts, sorting, relevance boosted
// by popularity and recency, spelling correction, and prefix autocomplete
// ranked by popularity from memory.
#pragma once

#include "events/envelope.hpp"
#include "projections/catalog/catalog.hpp"
#include "projections/catalog/product_records.hpp"
#include "projections/projection.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace Xapian {
class WritableDatabase;
} // namespace Xapian

namespace tillroll {

enum class search_order {
  relevance,
  price_ascending,
  price_descending,
  newest
};

/// Longest query text: longer than any query a person types, short enough
/// that parsing it and its spelling corrections stays quick.
inline constexpr size_t search_text_size_max = 500;
/// Deepest page start: Xapian ranks offset + limit matches for every page.
inline constexpr size_t search_offset_max = 10'000;
/// Most suggestions autocomplete answers: a drop-down's worth.
inline constexpr size_t autocomplete_suggestions_max = 10;

struct search_query {
  std::string text;
  std::optional<std::string> category;
  std::optional<std::string> brand;
  std::optional<int64_t> price_min_cents;
  std::optional<int64_t> price_max_cents;
  std::optional<double> rating_min;
  bool in_stock_only = false;
  search_order order = search_order::relevance;
  /// 1 to list_limit_max, as every list.
  size_t limit = list_limit_default;
  size_t offset = 0;
};

struct search_hit {
  std::string product_id;
  std::string title;
  int64_t price_cents = 0;
  std::string currency;
  double rating = 0;
  bool in_stock = false;
  double score = 0;
  /// Kept in each document's data, without its score.
  template <class Archive> void serialize(Archive& archive) {
    archive(product_id, title, price_cents, currency, rating, in_stock);
  }
};

struct price_bucket {
  int64_t min_cents = 0;
  /// Absent for the last, open bucket.
  std::optional<int64_t> max_cents;
  uint64_t count = 0;
};

struct search_result {
  uint64_t total = 0;
  std::vector<search_hit> items;
  std::map<std::string, uint64_t> category_counts;
  std::map<std::string, uint64_t> brand_counts;
  std::vector<price_bucket> price_counts;
  /// The corrected query when a word looked misspelled.
  std::optional<std::string> did_you_mean;
  /// The items are for did_you_mean: the query as typed found nothing.
  bool corrected = false;
};

/// Upper edges of the price facet's buckets, in cents.
inline constexpr int64_t price_bucket_edges_cents[] = {1000,  2500,  5000,
                                                       10000, 25000, 50000};

class search_documents;
class search_reader_pool;
class search_suggestions;

class search_index final : public projection {
public:
  /// Opens the index in `directory`, creating it if there is none;
  /// storage_failure when it cannot, e.g. when another node holds it.
  [[nodiscard]] static expected<std::unique_ptr<search_index>>
  open(std::filesystem::path directory);
  ~search_index() override;
  search_index(const search_index&) = delete;
  search_index& operator=(const search_index&) = delete;

  std::string_view name() const override { return "search"; }
  expected<void> load_entry(std::string_view key,
                            std::string_view value) override;
  expected<void> apply(const recorded_event& event,
                       projection_writer& changes) override;
  expected<void> commit() override;
  void reset() override;

  /// Safe from any thread, beside the runner's writes. `now` is what the
  /// recency boost counts a listing's age to.
  [[nodiscard]] expected<search_result> search(const search_query& query,
                                               timestamp now) const;
  std::vector<std::string> autocomplete(std::string_view prefix,
                                        size_t limit) const;
  /// Documents in the index: listed products.
  uint64_t size() const;

  /// Where the index lives, for bare-Xapian comparisons.
  const std::filesystem::path& directory() const { return directory_; }

private:
  explicit search_index(std::filesystem::path directory);
  [[nodiscard]] expected<void> open_writer();
  void index(const product_record& product);

  std::filesystem::path directory_;
  product_records records_;
  std::unique_ptr<Xapian::WritableDatabase> writer_;
  std::set<std::string> dirty_;
  // Entries were loaded: the first commit checks the index against them.
  bool loading_ = false;
  std::unique_ptr<search_documents> documents_;
  std::unique_ptr<search_reader_pool> readers_;
  std::unique_ptr<search_suggestions> suggestions_;
};

} // namespace tillroll
