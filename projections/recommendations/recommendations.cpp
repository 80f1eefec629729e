#include "projections/recommendations/recommendations.hpp"

#include "events/byte_order.hpp"
#include "events/codec.hpp"
#include "events/keys.hpp"
#include "events/order_events.hpp"
#include "projections/catalog/catalog.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>

namespace tillroll {

namespace {

constexpr std::string_view pending_prefix = "o/";
constexpr std::string_view pair_prefix = "c/";
constexpr std::string_view purchase_prefix = "b/";
// Ids never hold this byte, so it splits composite keys.
constexpr char key_separator = '\x1f';
// Bounds on the work of one query.
constexpr size_t similar_buyers_per_product_max = 100;
constexpr size_t category_candidates_max = 200;
constexpr size_t history_considered_max = 50;

std::string composite(std::string_view prefix, std::string_view a,
                      std::string_view b) {
  std::string key{prefix};
  key += a;
  key += key_separator;
  key += b;
  return key;
}

std::pair<std::string, std::string> split(std::string_view key) {
  auto at = key.find(key_separator);
  if (at == std::string_view::npos)
    return {};
  return {std::string{key.substr(0, at)}, std::string{key.substr(at + 1)}};
}

// First two title words: products differing only in a colour or size word
// at the end count as one for diversity.
std::string title_family(const product_features& product) {
  std::string family;
  int words = 0;
  for (char c : product.title) {
    if (c == ' ' && ++words == 2)
      break;
    family += c;
  }
  return product.brand + "/" + family;
}

struct candidates {
  std::map<std::string, double> scores;
  // The largest single part of each score names why it is recommended.
  std::map<std::string, std::pair<double, std::string>> strongest;
  void add(const std::string& product_id, double score, const char* reason) {
    scores[product_id] += score;
    auto& part = strongest[product_id];
    if (score > part.first)
      part = {score, reason};
  }
};

/// Greedy diversity: each pick lowers the score of the rest that share its
/// family, brand or category.
std::vector<recommendation> diversify(const candidates& found,
                                      const catalog& products,
                                      const std::set<std::string>& excluded,
                                      size_t limit) {
  struct option {
    product_features features;
    double score;
    std::string reason;
  };
  std::vector<option> options;
  for (auto& [product_id, score] : found.scores) {
    if (excluded.contains(product_id) || score <= 0)
      continue;
    auto features = products.features(product_id);
    if (!features || features->delisted || !features->in_stock)
      continue;
    options.push_back(
        {std::move(*features), score, found.strongest.at(product_id).second});
  }
  std::vector<recommendation> out;
  std::map<std::string, int> families, brands, categories;
  limit = std::min(limit, recommendations_max);
  while (out.size() < limit && !options.empty()) {
    auto adjusted = [&](const option& candidate) {
      return candidate.score *
             std::pow(0.2, families[title_family(candidate.features)]) *
             std::pow(0.7, brands[candidate.features.brand]) *
             std::pow(0.85, categories[candidate.features.category]);
    };
    auto best =
        std::max_element(options.begin(), options.end(), [&](auto& a, auto& b) {
          auto score_a = adjusted(a), score_b = adjusted(b);
          return score_a != score_b
                     ? score_a < score_b
                     : a.features.product_id > b.features.product_id;
        });
    out.push_back({best->features.product_id, adjusted(*best), best->reason});
    ++families[title_family(best->features)];
    ++brands[best->features.brand];
    ++categories[best->features.category];
    options.erase(best);
  }
  return out;
}

} // namespace

double similarity(const product_features& a, const product_features& b) {
  double score = 0;
  if (a.category == b.category)
    score += 0.4;
  if (!a.brand.empty() && a.brand == b.brand)
    score += 0.3;
  size_t shared = 0, total = 0;
  for (auto& [name, value] : a.attributes) {
    ++total;
    if (auto other = b.attributes.find(name);
        other != b.attributes.end() && other->second == value)
      ++shared;
  }
  total = std::max(total, b.attributes.size());
  if (total > 0)
    score += 0.3 * static_cast<double>(shared) / static_cast<double>(total);
  return score;
}

void recommendations::remember_purchase(const std::string& buyer_id,
                                        const std::string& product_id) {
  bought_by_buyer_[buyer_id].insert(product_id);
  buyers_of_product_[product_id].insert(buyer_id);
}

expected<void> recommendations::load_entry(std::string_view key,
                                           std::string_view value) {
  std::unique_lock guard{mutex_};
  if (key.starts_with(pending_prefix)) {
    auto order = decode_payload<pending_order>(value);
    if (!order)
      return std::move(order).error();
    pending_[std::string{key.substr(pending_prefix.size())}] =
        std::move(*order);
    return {};
  }
  auto [a, b] = split(key.substr(2));
  if (a.empty())
    return make_failure(errc::corrupt_record,
                        "malformed recommendations entry");
  if (key.starts_with(pair_prefix) && value.size() == 8) {
    pairs_[a][b] = read_big_endian(value);
    return {};
  }
  if (key.starts_with(purchase_prefix)) {
    remember_purchase(a, b);
    return {};
  }
  return make_failure(errc::corrupt_record, "malformed recommendations entry");
}

expected<void> recommendations::apply(const recorded_event& record,
                                      projection_writer& changes) {
  if (stream_kind(record.stream_id) != "order" ||
      (record.type_id != order_placed::type_id &&
       record.type_id != order_notification::type_id))
    return {};
  auto event = decode_event<order_event>(record);
  if (!event)
    return std::move(event).error();
  auto order_id = std::string{stream_entity_id(record.stream_id)};
  std::unique_lock guard{mutex_};
  if (auto* placed = std::get_if<order_placed>(&*event)) {
    pending_order order{placed->buyer_id, {}};
    for (auto& line : placed->lines)
      if (std::find(order.products.begin(), order.products.end(),
                    line.product_id) == order.products.end())
        order.products.push_back(line.product_id);
    changes.put(std::string{pending_prefix} + order_id, encode_payload(order));
    pending_[order_id] = std::move(order);
    return {};
  }
  auto& notice = std::get<order_notification>(*event);
  if (notice.status != "payment_confirmed" && notice.status != "cancelled")
    return {};
  auto found = pending_.find(order_id);
  if (found == pending_.end())
    return {};
  auto order = std::move(found->second);
  pending_.erase(found);
  changes.erase(std::string{pending_prefix} + order_id);
  if (notice.status == "cancelled")
    return {};
  for (auto& product : order.products) {
    remember_purchase(order.buyer_id, product);
    changes.put(composite(purchase_prefix, order.buyer_id, product), "");
    for (auto& other : order.products) {
      if (other == product)
        continue;
      auto count = ++pairs_[product][other];
      std::string value;
      append_big_endian(value, count);
      changes.put(composite(pair_prefix, product, other), value);
    }
  }
  return {};
}

void recommendations::reset() {
  std::unique_lock guard{mutex_};
  pending_.clear();
  pairs_.clear();
  bought_by_buyer_.clear();
  buyers_of_product_.clear();
}

uint64_t recommendations::bought_together(std::string_view a,
                                          std::string_view b) const {
  std::shared_lock guard{mutex_};
  auto found = pairs_.find(std::string{a});
  if (found == pairs_.end())
    return 0;
  auto count = found->second.find(std::string{b});
  return count == found->second.end() ? 0 : count->second;
}

std::vector<recommendation>
recommendations::related(std::string_view product_id, const catalog& products,
                         size_t limit) const {
  auto self = products.features(product_id);
  if (!self)
    return {};
  candidates found;
  {
    std::shared_lock guard{mutex_};
    if (auto pairs = pairs_.find(std::string{product_id});
        pairs != pairs_.end())
      for (auto& [other, count] : pairs->second)
        found.add(other, 1.0 + std::log1p(static_cast<double>(count)),
                  "bought_together");
  }
  for (auto& other :
       products.in_category(self->category, category_candidates_max))
    found.add(other.product_id, similarity(*self, other), "similar");
  return diversify(found, products, {std::string{product_id}}, limit);
}

std::vector<recommendation>
recommendations::for_buyer(std::string_view buyer_id, const catalog& products,
                           size_t limit) const {
  candidates found;
  std::set<std::string> bought;
  {
    std::shared_lock guard{mutex_};
    if (auto history = bought_by_buyer_.find(std::string{buyer_id});
        history != bought_by_buyer_.end())
      bought = history->second;
    size_t considered = 0;
    for (auto& product : bought) {
      if (++considered > history_considered_max)
        break;
      if (auto pairs = pairs_.find(product); pairs != pairs_.end())
        for (auto& [other, count] : pairs->second)
          found.add(other, 1.0 + std::log1p(static_cast<double>(count)),
                    "bought_together");
      // Buyers who share a purchase: what else they bought.
      size_t buyers = 0;
      for (auto& other_buyer : buyers_of_product_.at(product)) {
        if (other_buyer == buyer_id)
          continue;
        if (++buyers > similar_buyers_per_product_max)
          break;
        for (auto& other : bought_by_buyer_.at(other_buyer))
          found.add(other, 0.5, "similar_buyers");
      }
    }
    if (bought.empty())
      for (auto& [product, buyers] : buyers_of_product_)
        found.add(product, static_cast<double>(buyers.size()), "popular");
  }
  size_t considered = 0;
  for (auto& product : bought) {
    if (++considered > history_considered_max)
      break;
    auto self = products.features(product);
    if (!self)
      continue;
    for (auto& other : products.in_category(self->category, 50))
      found.add(other.product_id, 0.6 * similarity(*self, other), "similar");
  }
  return diversify(found, products, bought, limit);
}

} // namespace tillroll
