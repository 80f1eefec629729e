#include "projections/search/search_index.hpp"

#include "events/byte_order.hpp"
#include "events/codec.hpp"

#include <xapian.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <chrono>
#include <cmath>

namespace tillroll {

namespace search_schema {

std::string lower(std::string_view text) {
  std::string out{text};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string facet_value(const std::string& category, const std::string& brand,
                        size_t price_bucket) {
  std::string value;
  value += static_cast<char>('0' + price_bucket);
  value += category;
  value += '\x1f';
  value += brand;
  return value;
}

size_t price_bucket_of(int64_t price_cents) {
  size_t bucket = 0;
  for (auto edge : price_bucket_edges_cents) {
    if (price_cents < edge)
      return bucket;
    ++bucket;
  }
  return bucket;
}

} // namespace search_schema

namespace {

using namespace search_schema;

// Xapian's terms are at most 245 bytes; filter terms are cut well below.
constexpr size_t filter_term_size_max = 200;
// Readers kept open between queries; more run at once if needed.
constexpr size_t readers_kept_max = 8;
// Autocomplete looks at this many keys under a prefix at most.
constexpr size_t suggestion_scan_max = 5000;
// The popularity and recency boost never outweighs a title match.
constexpr double boost_weight_max = 1.0;
// About a thousand units sold give the full popularity boost.
constexpr double bands_for_full_boost = 10.0;
constexpr double recency_days_scale = 90.0;

std::string filter_term(std::string_view prefix, std::string_view value) {
  return std::string{prefix} + lower(value).substr(0, filter_term_size_max);
}

// Popularity changes the index only when it moves to another power of two.
int popularity_band(int64_t sold) {
  return sold <= 0 ? 0 : std::bit_width(static_cast<uint64_t>(sold));
}

// The band, not the exact count: an index built in other batches holds the
// same value, so a rebuild ranks exactly as the incremental build.
std::string boost_value(int64_t sold, int64_t listed_at_us) {
  std::string out;
  append_big_endian(out, static_cast<uint64_t>(popularity_band(sold)));
  append_big_endian(out, static_cast<uint64_t>(listed_at_us));
  return out;
}

double boost_weight(uint64_t band, int64_t listed_at_us, int64_t now_us) {
  auto popularity =
      std::min(1.0, static_cast<double>(band) / bands_for_full_boost);
  auto age_days =
      static_cast<double>(std::max<int64_t>(0, now_us - listed_at_us)) /
      86'400e6;
  return 0.7 * popularity + 0.3 * std::exp(-age_days / recency_days_scale);
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
    auto value = get_value();
    if (value.size() != 16)
      return 0;
    return boost_weight(read_big_endian(value.substr(0, 8)),
                        static_cast<int64_t>(read_big_endian(value.substr(8))),
                        now_us_);
  }
  boost_source* clone() const override { return new boost_source(now_us_); }
  std::string name() const override { return {}; }

private:
  int64_t now_us_;
};

/// The same boost from the in-memory document table: no value read.
class table_boost_source final : public Xapian::PostingSource {
public:
  table_boost_source(std::shared_ptr<const search_index::document_table> table,
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
           table_->facet[current_] == UINT32_MAX)
      ++current_;
  }

  std::shared_ptr<const search_index::document_table> table_;
  int64_t now_us_;
  Xapian::docid current_ = 0;
};

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty())
    out.push_back(std::move(word));
  return out;
}

failure xapian_failure(const Xapian::Error& error) {
  return failure{errc::storage_failure,
                 "search index: " + error.get_description(), true};
}

} // namespace

Xapian::Query search_schema::boost_query(int64_t now_us) {
  return Xapian::Query((new boost_source(now_us))->release());
}

struct search_index::reader {
  Xapian::Database database;
  uint64_t generation = 0;
};

search_index::search_index(std::filesystem::path directory)
    : directory_(std::move(directory)) {
  open_writer();
}

search_index::~search_index() = default;

void search_index::open_writer() {
  std::filesystem::create_directories(directory_);
  writer_ = std::make_unique<Xapian::WritableDatabase>(
      directory_.string(), Xapian::DB_CREATE_OR_OPEN);
  writer_->commit();
  documents_building_ = {};
  facet_ids_.clear();
  for (auto at = writer_->valuestream_begin(slot_facets);
       at != writer_->valuestream_end(slot_facets); ++at)
    remember_facet(at.get_docid(), *at);
  for (auto at = writer_->valuestream_begin(slot_boost);
       at != writer_->valuestream_end(slot_boost); ++at)
    remember_boost(at.get_docid(), *at);
  publish_documents();
}

void search_index::remember_facet(unsigned document, const std::string& value) {
  auto& table = documents_building_;
  auto [found, added] = facet_ids_.try_emplace(
      value, static_cast<uint32_t>(table.facet_values.size()));
  if (added)
    table.facet_values.push_back(value);
  if (table.facet.size() <= document) {
    table.facet.resize(document + 1, UINT32_MAX);
    table.popularity_band.resize(document + 1, 0);
    table.listed_at_us.resize(document + 1, 0);
  }
  table.facet[document] = found->second;
}

void search_index::remember_boost(unsigned document, const std::string& value) {
  auto& table = documents_building_;
  if (document >= table.facet.size() || value.size() != 16)
    return;
  table.popularity_band[document] =
      static_cast<uint8_t>(read_big_endian(value.substr(0, 8)));
  table.listed_at_us[document] =
      static_cast<int64_t>(read_big_endian(value.substr(8)));
}

void search_index::publish_documents() {
  auto published = std::make_shared<const document_table>(documents_building_);
  std::lock_guard guard{documents_mutex_};
  documents_ = std::move(published);
}

std::shared_ptr<const search_index::document_table>
search_index::documents() const {
  std::lock_guard guard{documents_mutex_};
  return documents_;
}

expected<void> search_index::load_entry(std::string_view key,
                                        std::string_view value) {
  auto loaded = records_.load_entry(key, value);
  if (!loaded)
    return std::move(loaded).error();
  if (!*loaded)
    return make_failure(errc::corrupt_record, "malformed search entry");
  if (key.starts_with("p/")) {
    if (auto* product = records_.find(key.substr(2));
        product != nullptr && !product->delisted)
      change_suggestions(*product, 1, 0);
  } else if (auto* stock = records_.level(key.substr(2));
             stock != nullptr && stock->sold != 0) {
    if (auto* product = records_.find(stock->product_id);
        product != nullptr && !product->delisted)
      change_suggestions(*product, 0, stock->sold);
  }
  loading_ = true;
  return {};
}

expected<void> search_index::apply(const recorded_event& event,
                                   projection_writer& changes) {
  if (!writer_)
    return make_failure(errc::storage_failure, "the search index is not open");
  auto change = records_.apply(event, changes);
  if (!change)
    return std::move(change).error();
  if (!*change)
    return {};
  auto* product = records_.find((*change)->product_id);
  if (product == nullptr)
    return {};
  auto sold = records_.units_sold(*product);
  if ((*change)->listing) {
    auto& before = (*change)->before;
    if (before && !before->delisted)
      change_suggestions(*before, -1, -sold);
    if (!product->delisted)
      change_suggestions(*product, 1, sold);
    if (!before) {
      try {
        for (auto* text :
             {&product->title, &product->brand, &product->category})
          for (auto& word : words(*text))
            writer_->add_spelling(word);
      } catch (const Xapian::Error& error) {
        return xapian_failure(error);
      }
    }
    dirty_.insert(product->product_id);
  }
  if (auto delta = (*change)->sold_delta; delta != 0) {
    if (!product->delisted)
      change_suggestions(*product, 0, delta);
    if (popularity_band(sold) != popularity_band(sold - delta))
      dirty_.insert(product->product_id);
  }
  if ((*change)->availability)
    dirty_.insert(product->product_id);
  return {};
}

void search_index::index(const product_record& product) {
  Xapian::Document document;
  Xapian::TermGenerator terms;
  terms.set_stemmer(Xapian::Stem("english"));
  terms.set_document(document);
  terms.index_text(product.title, 3);
  terms.increase_termpos();
  terms.index_text(product.brand, 2);
  terms.increase_termpos();
  terms.index_text(product.category, 2);
  terms.increase_termpos();
  terms.index_text(product.description);
  for (auto& [name, value] : product.attributes) {
    terms.increase_termpos();
    terms.index_text(value);
  }
  for (auto& variant : product.variants)
    for (auto& [name, value] : variant.attributes) {
      terms.increase_termpos();
      terms.index_text(value);
    }
  auto id_term = "Q" + product.product_id;
  document.add_boolean_term(id_term);
  document.add_boolean_term(filter_term("XC", product.category));
  document.add_boolean_term(filter_term("XB", product.brand));
  bool in_stock = records_.in_stock(product);
  if (in_stock)
    document.add_boolean_term("XS");
  auto price = product.price_cents();
  document.add_value(slot_price,
                     Xapian::sortable_serialise(static_cast<double>(price)));
  document.add_value(
      slot_listed_at,
      Xapian::sortable_serialise(static_cast<double>(product.listed_at_us)));
  document.add_value(slot_rating, Xapian::sortable_serialise(product.rating()));
  auto boost = boost_value(records_.units_sold(product), product.listed_at_us);
  document.add_value(slot_boost, boost);
  auto facet =
      facet_value(product.category, product.brand, price_bucket_of(price));
  document.add_value(slot_facets, facet);
  document.set_data(encode_payload(search_hit{
      product.product_id, product.title, price, std::string{product.currency()},
      std::round(product.rating() * 100.0) / 100.0, in_stock, 0}));
  auto id = writer_->replace_document(id_term, document);
  remember_facet(id, facet);
  remember_boost(id, boost);
}

expected<void> search_index::commit() {
  if (!writer_)
    return make_failure(errc::storage_failure, "the search index is not open");
  try {
    if (loading_) {
      loading_ = false;
      // The index lost or never had what the saved model says: index all.
      uint64_t listed = 0;
      for (auto& [id, product] : records_.products())
        listed += product.delisted ? 0 : 1;
      if (writer_->get_doccount() != listed)
        for (auto& [id, product] : records_.products())
          dirty_.insert(id);
    }
    if (dirty_.empty())
      return {};
    for (auto& product_id : dirty_) {
      auto* product = records_.find(product_id);
      if (product == nullptr || product->delisted)
        writer_->delete_document("Q" + product_id);
      // A deleted document matches nothing, so its table entry is left.
      else
        index(*product);
    }
    writer_->commit();
    publish_documents();
    dirty_.clear();
    ++generation_;
    return {};
  } catch (const Xapian::Error& error) {
    return xapian_failure(error);
  }
}

void search_index::reset() {
  writer_.reset();
  {
    std::lock_guard guard{readers_mutex_};
    readers_.clear();
  }
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
  try {
    open_writer();
  } catch (...) {
    // Every later apply and commit reports it; the runner shows the lag.
    writer_.reset();
  }
  records_.reset();
  dirty_.clear();
  ++generation_;
  std::unique_lock guard{suggestions_mutex_};
  suggestions_.clear();
  suggestion_keys_.clear();
}

void search_index::change_suggestions(const product_record& product,
                                      int64_t products, int64_t sold) {
  std::unique_lock guard{suggestions_mutex_};
  for (auto* text : {&product.title, &product.brand, &product.category}) {
    if (text->empty())
      continue;
    auto key = lower(*text);
    auto& entry = suggestions_[key];
    if (entry.products == 0 && products > 0) {
      entry.text = *text;
      // Every word start is a key: "lapt" finds "Acme Laptop 15".
      for (size_t at = 0; at < key.size(); ++at)
        if (at == 0 ||
            (!std::isalnum(static_cast<unsigned char>(key[at - 1])) &&
             std::isalnum(static_cast<unsigned char>(key[at]))))
          suggestion_keys_.insert({key.substr(at), key});
    }
    entry.products += products;
    entry.sold += sold;
    if (entry.products <= 0) {
      for (size_t at = 0; at < key.size(); ++at)
        suggestion_keys_.erase({key.substr(at), key});
      suggestions_.erase(key);
    }
  }
}

std::vector<std::string> search_index::autocomplete(std::string_view prefix,
                                                    size_t limit) const {
  auto key = lower(prefix);
  std::vector<std::string> out;
  if (key.empty())
    return out;
  std::shared_lock guard{suggestions_mutex_};
  std::set<std::string> seen;
  std::vector<const suggestion*> found;
  size_t scanned = 0;
  for (auto at = suggestion_keys_.lower_bound({key, std::string{}});
       at != suggestion_keys_.end() && at->first.starts_with(key) &&
       scanned < suggestion_scan_max;
       ++at, ++scanned)
    if (seen.insert(at->second).second)
      if (auto entry = suggestions_.find(at->second);
          entry != suggestions_.end())
        found.push_back(&entry->second);
  std::sort(found.begin(), found.end(), [](auto* a, auto* b) {
    auto rank_a = a->sold + a->products, rank_b = b->sold + b->products;
    if (rank_a != rank_b)
      return rank_a > rank_b;
    if (a->text.size() != b->text.size())
      return a->text.size() < b->text.size();
    return a->text < b->text;
  });
  for (auto* entry : found) {
    if (out.size() >= std::min(limit, autocomplete_suggestions_max))
      break;
    out.push_back(entry->text);
  }
  return out;
}

std::unique_ptr<search_index::reader> search_index::take_reader() const {
  std::unique_ptr<reader> taken;
  {
    std::lock_guard guard{readers_mutex_};
    if (!readers_.empty()) {
      taken = std::move(readers_.back());
      readers_.pop_back();
    }
  }
  auto generation = generation_.load();
  if (!taken) {
    taken = std::make_unique<reader>();
    taken->database = Xapian::Database{directory_.string()};
  } else if (taken->generation != generation) {
    taken->database.reopen();
  }
  taken->generation = generation;
  return taken;
}

void search_index::give_back(std::unique_ptr<reader> used) const {
  std::lock_guard guard{readers_mutex_};
  if (readers_.size() < readers_kept_max)
    readers_.push_back(std::move(used));
}

uint64_t search_index::size() const {
  try {
    auto taken = take_reader();
    auto count = taken->database.get_doccount();
    give_back(std::move(taken));
    return count;
  } catch (const Xapian::Error&) {
    return 0;
  }
}

namespace {

struct xapian_search {
  Xapian::Query query;
  std::optional<std::string> corrected;
};

Xapian::Query filtered(Xapian::Query text, const search_query& request,
                       Xapian::Query boost) {
  if (request.order == search_order::relevance)
    text = Xapian::Query(Xapian::Query::OP_AND_MAYBE, text, boost);
  std::vector<Xapian::Query> filters;
  if (request.category)
    filters.emplace_back(filter_term("XC", *request.category));
  if (request.brand)
    filters.emplace_back(filter_term("XB", *request.brand));
  if (request.in_stock_only)
    filters.emplace_back("XS");
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

Xapian::Query parse(Xapian::Database& database, const std::string& text,
                    std::optional<std::string>* corrected) {
  if (text.find_first_not_of(" \t") == std::string::npos)
    return Xapian::Query::MatchAll;
  Xapian::QueryParser parser;
  parser.set_stemmer(Xapian::Stem("english"));
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

/// Counts each match's facet value from the in-memory table by docid; a
/// document the table does not know yet is read from the index.
class facet_spy final : public Xapian::MatchSpy {
public:
  facet_spy(const std::vector<uint32_t>& of_document,
            const std::vector<std::string>& values)
      : of_document_(of_document), values_(values), counts_(values.size()) {}

  void operator()(const Xapian::Document& document, double) override {
    auto id = document.get_docid();
    if (id < of_document_.size() && of_document_[id] != UINT32_MAX)
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

search_result
run_search(Xapian::Database& database, const search_query& request,
           Xapian::Query text, int64_t now_us,
           const std::shared_ptr<const search_index::document_table>& table) {
  Xapian::Enquire enquire{database};
  enquire.set_query(filtered(
      std::move(text), request,
      Xapian::Query((new table_boost_source(table, now_us))->release())));
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
    auto split = value.find('\x1f');
    if (value.empty() || split == std::string::npos)
      return;
    bucket_counts[static_cast<size_t>(value[0] - '0')] += count;
    result.category_counts[value.substr(1, split - 1)] += count;
    result.brand_counts[value.substr(split + 1)] += count;
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

} // namespace

expected<search_result> search_index::search(const search_query& query) const {
  if (query.text.size() > search_text_size_max)
    return make_failure(errc::invalid_argument, "q is too long");
  if (query.offset > search_offset_max)
    return make_failure(errc::invalid_argument, "offset is too large");
  auto request = query;
  request.limit = std::clamp<size_t>(query.limit, 1, 100);
  auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  for (int attempt = 0;; ++attempt) {
    try {
      auto taken = take_reader();
      std::optional<std::string> corrected;
      auto text = parse(taken->database, request.text, &corrected);
      auto table = documents();
      auto result = run_search(taken->database, request, text, now_us, table);
      result.did_you_mean = corrected;
      if (result.total == 0 && corrected) {
        result = run_search(taken->database, request,
                            parse(taken->database, *corrected, nullptr), now_us,
                            table);
        result.did_you_mean = corrected;
        result.corrected = true;
      }
      give_back(std::move(taken));
      return result;
    } catch (const Xapian::QueryParserError& error) {
      return make_failure(errc::invalid_argument,
                          "q cannot be parsed: " + error.get_msg());
    } catch (const Xapian::DatabaseModifiedError&) {
      // The writer committed twice during the query; a fresh reader sees
      // the newest revision.
      if (attempt >= 3)
        return make_failure(errc::unavailable, "search index is busy", true);
    } catch (const Xapian::Error& error) {
      return xapian_failure(error);
    }
  }
}

} // namespace tillroll
