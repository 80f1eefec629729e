#include "projections/search/search_matching.hpp"

#include "events/codec.hpp"
#include "projections/search/search_schema.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <vector>

namespace tillroll::search_matching {

namespace {

using namespace search_schema;

using fractional_days = std::chrono::duration<double, std::ratio<86'400>>;

// The popularity and recency boost never outweighs a title match.
constexpr double boost_weight_max = 1.0;
// Band 10, about a thousand units sold, gives the full popularity boost.
constexpr double bands_for_full_boost = 10.0;
// A listing's recency boost falls by a factor e each season.
constexpr fractional_days recency_scale{90.0};
// What sells counts more than what is new; the shares sum to
// boost_weight_max.
constexpr double popularity_share = 0.7;
constexpr double recency_share = 0.3;

int64_t microseconds_since_epoch(timestamp at) {
  return at.time_since_epoch().count();
}

double boost_weight(uint64_t band, int64_t listed_at_us, int64_t now_us) {
  auto popularity =
      std::min(1.0, static_cast<double>(band) / bands_for_full_boost);
  fractional_days age =
      std::chrono::microseconds{std::max<int64_t>(0, now_us - listed_at_us)};
  return popularity_share * popularity +
         recency_share * std::exp(-(age / recency_scale));
}

/// The boost read from each document's boost slot: what plain Xapian does.
class boost_source final : public Xapian::ValuePostingSource {
public:
  explicit boost_source(int64_t now_us)
      : Xapian::ValuePostingSource(slot_boost), now_us_(now_us) {}

  void init(const Xapian::Database& db) override {
    Xapian::ValuePostingSource::init(db);
    set_maxweight(boost_weight_max);
  }
  double get_weight() const override {
    auto inputs = read_boost_value(get_value());
    if (!inputs)
      return 0;
    return boost_weight(inputs->popularity_band, inputs->listed_at_us, now_us_);
  }
  boost_source* clone() const override { return new boost_source(now_us_); }
  std::string name() const override { return {}; }

private:
  int64_t now_us_;
};

/// The same boost from the in-memory document table: no value read.
class table_boost_source final : public Xapian::PostingSource {
public:
  table_boost_source(std::shared_ptr<const document_table> table,
                     int64_t now_us)
      : table_(std::move(table)), now_us_(now_us) {}

  void init(const Xapian::Database&) override {
    current_ = 0;
    advance(1);
    set_maxweight(boost_weight_max);
  }
  Xapian::doccount get_termfreq_min() const override { return 0; }
  Xapian::doccount get_termfreq_est() const override {
    return static_cast<Xapian::doccount>(table_->facet.size());
  }
  Xapian::doccount get_termfreq_max() const override {
    return static_cast<Xapian::doccount>(table_->facet.size());
  }
  void next(double) override { advance(current_ + 1); }
  void skip_to(Xapian::docid target, double) override {
    if (target > current_)
      advance(target);
  }
  bool at_end() const override { return current_ >= table_->facet.size(); }
  Xapian::docid get_docid() const override { return current_; }
  double get_weight() const override {
    return boost_weight(table_->popularity_band[current_],
                        table_->listed_at_us[current_], now_us_);
  }
  table_boost_source* clone() const override {
    return new table_boost_source(table_, now_us_);
  }
  std::string name() const override { return {}; }

private:
  void advance(Xapian::docid from) {
    current_ = from;
    while (current_ < table_->facet.size() &&
           table_->facet[current_] == document_table::no_facet)
      ++current_;
  }

  std::shared_ptr<const document_table> table_;
  int64_t now_us_;
  Xapian::docid current_ = 0;
};

Xapian::Query filtered(Xapian::Query text, const search_query& request,
                       Xapian::Query boost) {
  if (request.order == search_order::relevance)
    text = Xapian::Query(Xapian::Query::OP_AND_MAYBE, text, boost);
  std::vector<Xapian::Query> filters;
  if (request.category)
    filters.emplace_back(filter_term(category_term_prefix, *request.category));
  if (request.brand)
    filters.emplace_back(filter_term(brand_term_prefix, *request.brand));
  if (request.in_stock_only)
    filters.emplace_back(std::string{in_stock_term});
  if (request.price_min_cents || request.price_max_cents)
    filters.emplace_back(Xapian::Query::OP_VALUE_RANGE, slot_price,
                         Xapian::sortable_serialise(static_cast<double>(
                             request.price_min_cents.value_or(0))),
                         Xapian::sortable_serialise(static_cast<double>(
                             request.price_max_cents.value_or(INT64_MAX))));
  if (request.rating_min)
    filters.emplace_back(Xapian::Query::OP_VALUE_GE, slot_rating,
                         Xapian::sortable_serialise(*request.rating_min));
  if (filters.empty())
    return text;
  return Xapian::Query(
      Xapian::Query::OP_FILTER, text,
      Xapian::Query(Xapian::Query::OP_AND, filters.begin(), filters.end()));
}

/// Counts each match's facet value from the in-memory table by docid; a
/// document the table does not know yet is read from the index.
class facet_spy final : public Xapian::MatchSpy {
public:
  facet_spy(const std::vector<uint32_t>& of_document,
            const std::vector<std::string>& values)
      : of_document_(of_document), values_(values), counts_(values.size()) {}

  void operator()(const Xapian::Document& document, double) override {
    auto id = document.get_docid();
    if (id < of_document_.size() &&
        of_document_[id] != document_table::no_facet)
      ++counts_[of_document_[id]];
    else
      ++unknown_[document.get_value(slot_facets)];
  }

  /// Visits (facet value, count) pairs.
  template <class Visit> void each(Visit visit) const {
    for (size_t id = 0; id < counts_.size(); ++id)
      if (counts_[id] > 0)
        visit(values_[id], counts_[id]);
    for (auto& [value, count] : unknown_)
      visit(value, count);
  }

private:
  const std::vector<uint32_t>& of_document_;
  const std::vector<std::string>& values_;
  std::vector<uint64_t> counts_;
  std::map<std::string, uint64_t> unknown_;
};

} // namespace

Xapian::Query parse(Xapian::Database& database, const std::string& text,
                    std::optional<std::string>* corrected) {
  if (text.find_first_not_of(" \t") == std::string::npos)
    return Xapian::Query::MatchAll;
  Xapian::QueryParser parser;
  parser.set_stemmer(Xapian::Stem(stemmer_language));
  parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  parser.set_database(database);
  parser.set_default_op(Xapian::Query::OP_AND);
  auto query = parser.parse_query(
      text, Xapian::QueryParser::FLAG_PHRASE |
                Xapian::QueryParser::FLAG_LOVEHATE |
                Xapian::QueryParser::FLAG_SPELLING_CORRECTION);
  if (corrected != nullptr) {
    auto suggestion = parser.get_corrected_query_string();
    if (!suggestion.empty() && suggestion != text)
      *corrected = suggestion;
  }
  return query;
}

search_result run(Xapian::Database& database, const search_query& request,
                  Xapian::Query text, timestamp now,
                  const std::shared_ptr<const document_table>& table) {
  Xapian::Enquire enquire{database};
  enquire.set_query(filtered(
      std::move(text), request,
      Xapian::Query(
          (new table_boost_source(table, microseconds_since_epoch(now)))
              ->release())));
  enquire.set_weighting_scheme(Xapian::BM25Weight{});
  switch (request.order) {
  case search_order::relevance:
    break;
  case search_order::price_ascending:
    enquire.set_sort_by_value_then_relevance(slot_price, false);
    break;
  case search_order::price_descending:
    enquire.set_sort_by_value_then_relevance(slot_price, true);
    break;
  case search_order::newest:
    enquire.set_sort_by_value_then_relevance(slot_listed_at, true);
    break;
  }
  facet_spy facets{table->facet, table->facet_values};
  enquire.add_matchspy(&facets);
  // Facet counts are exact only if every match is looked at.
  auto matches = enquire.get_mset(static_cast<Xapian::doccount>(request.offset),
                                  static_cast<Xapian::doccount>(request.limit),
                                  database.get_doccount());
  search_result result;
  result.total = matches.get_matches_estimated();
  for (auto at = matches.begin(); at != matches.end(); ++at) {
    auto hit = decode_payload<search_hit>(at.get_document().get_data());
    if (!hit)
      continue;
    hit->score = at.get_weight();
    result.items.push_back(std::move(*hit));
  }
  std::map<size_t, uint64_t> bucket_counts;
  facets.each([&](const std::string& value, uint64_t count) {
    auto parts = read_facet_value(value);
    if (!parts)
      return;
    bucket_counts[parts->price_bucket] += count;
    result.category_counts[std::string{parts->category}] += count;
    result.brand_counts[std::string{parts->brand}] += count;
  });
  int64_t low = 0;
  size_t bucket = 0;
  for (auto edge : price_bucket_edges_cents) {
    result.price_counts.push_back({low, edge, bucket_counts[bucket++]});
    low = edge;
  }
  result.price_counts.push_back({low, std::nullopt, bucket_counts[bucket]});
  return result;
}

Xapian::Query boost_query(timestamp now) {
  return Xapian::Query(
      (new boost_source(microseconds_since_epoch(now)))->release());
}

} // namespace tillroll::search_matching
