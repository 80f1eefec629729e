// The search projection: events fold into product records, and each
// changed product is indexed again at the next commit. Queries run on
// pooled readers (search_reader_pool.hpp, search_matching.hpp).
#include "projections/search/search_index.hpp"

#include "events/codec.hpp"
#include "projections/search/search_documents.hpp"
#include "projections/search/search_matching.hpp"
#include "projections/search/search_reader_pool.hpp"
#include "projections/search/search_schema.hpp"
#include "projections/search/search_suggestions.hpp"

#include <xapian.h>

#include <algorithm>
#include <cmath>

namespace tillroll {

using namespace search_schema;

namespace {

// Each retry means the writer committed twice during one query; after
// three in a row it commits faster than queries run, and the caller backs
// off.
constexpr int modified_retries_max = 3;

// product_records keys a product's entry "p/" + its id and a stock level's
// "s/" + its SKU: the two prefixes are as long.
constexpr std::string_view product_entry_prefix = "p/";
constexpr size_t entry_prefix_size = product_entry_prefix.size();

} // namespace

search_index::search_index(std::filesystem::path directory)
    : directory_(std::move(directory)),
      documents_(std::make_unique<search_documents>()),
      readers_(std::make_unique<search_reader_pool>(directory_)),
      suggestions_(std::make_unique<search_suggestions>()) {}

search_index::~search_index() = default;

expected<std::unique_ptr<search_index>>
search_index::open(std::filesystem::path directory) {
  std::unique_ptr<search_index> index{new search_index{std::move(directory)}};
  if (auto opened = index->open_writer(); !opened)
    return std::move(opened).error();
  return index;
}

expected<void> search_index::open_writer() {
  try {
    std::filesystem::create_directories(directory_);
    writer_ = std::make_unique<Xapian::WritableDatabase>(
        directory_.string(), Xapian::DB_CREATE_OR_OPEN);
    writer_->commit();
    documents_->read_from(*writer_);
    documents_->publish();
    return {};
  } catch (const Xapian::Error& error) {
    writer_.reset();
    return xapian_failure(error);
  } catch (const std::exception& error) {
    writer_.reset();
    return make_failure(errc::storage_failure,
                        std::string{"search index: "} + error.what(), true);
  }
}

expected<void> search_index::load_entry(std::string_view key,
                                        std::string_view value) {
  auto loaded = records_.load_entry(key, value);
  if (!loaded)
    return std::move(loaded).error();
  if (!*loaded)
    return make_failure(errc::corrupt_record, "malformed search entry");
  if (key.starts_with(product_entry_prefix)) {
    if (auto* product = records_.find(key.substr(entry_prefix_size));
        product != nullptr && !product->delisted)
      suggestions_->change(*product, 1, 0);
  } else if (auto* stock = records_.level(key.substr(entry_prefix_size));
             stock != nullptr && stock->sold != 0) {
    if (auto* product = records_.find(stock->product_id);
        product != nullptr && !product->delisted)
      suggestions_->change(*product, 0, stock->sold);
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
      suggestions_->change(*before, -1, -sold);
    if (!product->delisted)
      suggestions_->change(*product, 1, sold);
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
      suggestions_->change(*product, 0, delta);
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
  terms.set_stemmer(Xapian::Stem(stemmer_language));
  terms.set_document(document);
  terms.index_text(product.title, title_weight);
  terms.increase_termpos();
  terms.index_text(product.brand, brand_weight);
  terms.increase_termpos();
  terms.index_text(product.category, category_weight);
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
  auto unique_term = id_term(product.product_id);
  document.add_boolean_term(unique_term);
  document.add_boolean_term(
      filter_term(category_term_prefix, product.category));
  document.add_boolean_term(filter_term(brand_term_prefix, product.brand));
  bool in_stock = records_.in_stock(product);
  if (in_stock)
    document.add_boolean_term(std::string{in_stock_term});
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
      std::round(product.rating() * rating_scale) / rating_scale, in_stock,
      0}));
  auto id = writer_->replace_document(unique_term, document);
  documents_->remember(id, facet, boost);
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
        writer_->delete_document(id_term(product_id));
      // A deleted document matches nothing, so its table entry is left.
      else
        index(*product);
    }
    writer_->commit();
    documents_->publish();
    dirty_.clear();
    readers_->index_changed();
    return {};
  } catch (const Xapian::Error& error) {
    return xapian_failure(error);
  }
}

void search_index::reset() {
  writer_.reset();
  readers_->clear();
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
  // A failure leaves no writer: every later apply and commit reports it,
  // and the runner shows the lag.
  (void)open_writer();
  records_.reset();
  dirty_.clear();
  readers_->index_changed();
  suggestions_->clear();
}

std::vector<std::string> search_index::autocomplete(std::string_view prefix,
                                                    size_t limit) const {
  return suggestions_->complete(prefix, limit);
}

uint64_t search_index::size() const {
  try {
    auto taken = readers_->take();
    auto count = taken->database.get_doccount();
    readers_->give_back(std::move(taken));
    return count;
  } catch (const Xapian::Error&) {
    return 0;
  }
}

expected<search_result> search_index::search(const search_query& query,
                                             timestamp now) const {
  if (query.text.size() > search_text_size_max)
    return make_failure(errc::invalid_argument, "q is too long");
  if (query.offset > search_offset_max)
    return make_failure(errc::invalid_argument, "offset is too large");
  auto request = query;
  request.limit = std::clamp<size_t>(query.limit, 1, list_limit_max);
  for (int attempt = 0;; ++attempt) {
    try {
      auto taken = readers_->take();
      auto& database = taken->database;
      std::optional<std::string> corrected;
      auto text = search_matching::parse(database, request.text, &corrected);
      auto table = documents_->published();
      auto result = search_matching::run(database, request, text, now, table);
      result.did_you_mean = corrected;
      if (result.total == 0 && corrected) {
        result = search_matching::run(
            database, request,
            search_matching::parse(database, *corrected, nullptr), now, table);
        result.did_you_mean = corrected;
        result.corrected = true;
      }
      readers_->give_back(std::move(taken));
      return result;
    } catch (const Xapian::QueryParserError& error) {
      return make_failure(errc::invalid_argument,
                          "q cannot be parsed: " + error.get_msg());
    } catch (const Xapian::DatabaseModifiedError&) {
      // The writer committed twice during the query; a fresh reader sees
      // the newest revision.
      if (attempt >= modified_retries_max)
        return make_failure(errc::unavailable, "search index is busy", true);
    } catch (const Xapian::Error& error) {
      return xapian_failure(error);
    }
  }
}

} // namespace tillroll
