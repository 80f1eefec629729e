// The search read model: a Xapian index on disk under the data directory,
// fed from the log. Full text with BM25 (title above description), English
// stemming, filters, facets with exact counts, sorting, relevance boosted
// by popularity and recency, spelling correction, and prefix autocomplete
// ranked by popularity from memory.
#pragma once

#include "projections/catalog/product_records.hpp"
#include "projections/projection.hpp"

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace Xapian {
class WritableDatabase;
class Database;
class Query;
} // namespace Xapian

namespace tillroll {

enum class search_order {
  relevance,
  price_ascending,
  price_descending,
  newest
};

inline constexpr size_t search_text_size_max = 500;
inline constexpr size_t search_offset_max = 10'000;
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
  size_t limit = 20;
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

class search_index final : public projection {
public:
  explicit search_index(std::filesystem::path directory);
  ~search_index() override;

  std::string_view name() const override { return "search"; }
  expected<void> load_entry(std::string_view key,
                            std::string_view value) override;
  expected<void> apply(const recorded_event& event,
                       projection_writer& changes) override;
  expected<void> commit() override;
  void reset() override;

  /// Safe from any thread, beside the runner's writes.
  [[nodiscard]] expected<search_result> search(const search_query& query) const;
  std::vector<std::string> autocomplete(std::string_view prefix,
                                        size_t limit) const;
  /// Documents in the index: listed products.
  uint64_t size() const;

  /// Where the index lives, for bare-Xapian comparisons.
  const std::filesystem::path& directory() const { return directory_; }

private:
  struct suggestion {
    std::string text;
    int64_t products = 0;
    int64_t sold = 0;
  };
  struct reader;

public:
  /// What queries need of every document, by Xapian docid, in memory: its
  /// facet value (exact facet counts without a value read per match, a
  /// third of a large query's time) and its boost inputs (the popularity
  /// and recency boost without one either). Rebuilt from the index on
  /// start; published at each commit.
  struct document_table {
    std::vector<uint32_t> facet;
    std::vector<uint8_t> popularity_band;
    std::vector<int64_t> listed_at_us;
    std::vector<std::string> facet_values;
  };

private:
  void open_writer();
  void remember_facet(unsigned document, const std::string& value);
  void remember_boost(unsigned document, const std::string& value);
  void publish_documents();
  std::shared_ptr<const document_table> documents() const;
  void index(const product_record& product);
  void change_suggestions(const product_record& product, int64_t products,
                          int64_t sold);
  std::unique_ptr<reader> take_reader() const;
  void give_back(std::unique_ptr<reader> used) const;

  std::filesystem::path directory_;
  product_records records_;
  std::unique_ptr<Xapian::WritableDatabase> writer_;
  std::set<std::string> dirty_;
  // Entries were loaded: the first commit checks the index against them.
  bool loading_ = false;
  std::atomic<uint64_t> generation_{0};

  document_table documents_building_;
  std::unordered_map<std::string, uint32_t> facet_ids_;
  mutable std::mutex documents_mutex_;
  std::shared_ptr<const document_table> documents_;

  mutable std::mutex readers_mutex_;
  mutable std::vector<std::unique_ptr<reader>> readers_;

  mutable std::shared_mutex suggestions_mutex_;
  std::unordered_map<std::string, suggestion> suggestions_;
  std::set<std::pair<std::string, std::string>> suggestion_keys_;
};

/// The Xapian parts of a query, shared by the index and the benchmark's
/// bare-Xapian peer so both run the very same search.
namespace search_schema {
inline constexpr unsigned slot_price = 0;
inline constexpr unsigned slot_listed_at = 1;
inline constexpr unsigned slot_rating = 2;
inline constexpr unsigned slot_boost = 3;
/// The three facets in one value: price bucket digit, category, a 0x1f
/// byte, brand. One value read per match instead of three halves the
/// cost of exact counts over large result sets.
inline constexpr unsigned slot_facets = 4;
std::string facet_value(const std::string& category, const std::string& brand,
                        size_t price_bucket);
std::string lower(std::string_view text);
size_t price_bucket_of(int64_t price_cents);
/// The popularity and recency boost added to relevance-ordered queries.
Xapian::Query boost_query(int64_t now_us);
} // namespace search_schema

} // namespace tillroll
