#include "projections/search/search_documents.hpp"

#include "projections/search/search_schema.hpp"

#include <xapian.h>

namespace tillroll {

using namespace search_schema;

void search_documents::read_from(const Xapian::Database& index) {
  building_ = {};
  facet_ids_.clear();
  for (auto at = index.valuestream_begin(slot_facets);
       at != index.valuestream_end(slot_facets); ++at)
    remember_facet(at.get_docid(), *at);
  for (auto at = index.valuestream_begin(slot_boost);
       at != index.valuestream_end(slot_boost); ++at)
    remember_boost(at.get_docid(), *at);
}

void search_documents::remember(unsigned document,
                                const std::string& facet_value,
                                const std::string& boost_value) {
  remember_facet(document, facet_value);
  remember_boost(document, boost_value);
}

void search_documents::remember_facet(unsigned document,
                                      const std::string& value) {
  auto& table = building_;
  auto [found, added] = facet_ids_.try_emplace(
      value, static_cast<uint32_t>(table.facet_values.size()));
  if (added)
    table.facet_values.push_back(value);
  if (table.facet.size() <= document) {
    table.facet.resize(document + 1, document_table::no_facet);
    table.popularity_band.resize(document + 1, 0);
    table.listed_at_us.resize(document + 1, 0);
  }
  table.facet[document] = found->second;
}

void search_documents::remember_boost(unsigned document,
                                      const std::string& value) {
  auto& table = building_;
  auto inputs = read_boost_value(value);
  if (document >= table.facet.size() || !inputs)
    return;
  table.popularity_band[document] =
      static_cast<uint8_t>(inputs->popularity_band);
  table.listed_at_us[document] = inputs->listed_at_us;
}

void search_documents::publish() {
  auto published = std::make_shared<const document_table>(building_);
  std::lock_guard guard{published_mutex_};
  published_ = std::move(published);
}

std::shared_ptr<const document_table> search_documents::published() const {
  std::lock_guard guard{published_mutex_};
  return published_;
}

} // namespace tillroll
