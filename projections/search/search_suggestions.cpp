#include "projections/search/search_suggestions.hpp"

#include "projections/search/search_index.hpp"
#include "projections/search/search_schema.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>

namespace tillroll {

void search_suggestions::change(const product_record& product, int64_t products,
                                int64_t sold) {
  std::unique_lock guard{mutex_};
  for (auto* text : {&product.title, &product.brand, &product.category}) {
    if (text->empty())
      continue;
    auto key = search_schema::lower(*text);
    auto& entry = suggestions_[key];
    if (entry.products == 0 && products > 0) {
      entry.text = *text;
      // Every word start is a key: "lapt" finds "Acme Laptop 15".
      for (size_t at = 0; at < key.size(); ++at)
        if (at == 0 ||
            (!std::isalnum(static_cast<unsigned char>(key[at - 1])) &&
             std::isalnum(static_cast<unsigned char>(key[at]))))
          keys_.insert({key.substr(at), key});
    }
    entry.products += products;
    entry.sold += sold;
    if (entry.products <= 0) {
      for (size_t at = 0; at < key.size(); ++at)
        keys_.erase({key.substr(at), key});
      suggestions_.erase(key);
    }
  }
}

std::vector<std::string> search_suggestions::complete(std::string_view prefix,
                                                      size_t limit) const {
  auto key = search_schema::lower(prefix);
  std::vector<std::string> out;
  if (key.empty())
    return out;
  std::shared_lock guard{mutex_};
  std::set<std::string> seen;
  std::vector<const suggestion*> found;
  size_t scanned = 0;
  for (auto at = keys_.lower_bound({key, std::string{}});
       at != keys_.end() && at->first.starts_with(key) &&
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

void search_suggestions::clear() {
  std::unique_lock guard{mutex_};
  suggestions_.clear();
  keys_.clear();
}

} // namespace tillroll
