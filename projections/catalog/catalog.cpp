#include "projections/catalog/catalog.hpp"

#include "events/checksum.hpp"
#include "events/json_text.hpp"
#include "projections/cursor.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <cstdio>
#include <mutex>

namespace tillroll {

namespace {

boost::json::object to_json(const std::map<std::string, std::string>& map) {
  boost::json::object out;
  for (auto& [key, value] : map)
    out[key] = value;
  return out;
}

} // namespace

rendered_product
render_product(const product_record& product,
               const std::function<bool(const variant_record&)>& in_stock) {
  boost::json::array variants;
  bool any_in_stock = false;
  for (auto& variant : product.variants) {
    bool in_stock_now = in_stock(variant);
    any_in_stock = any_in_stock || in_stock_now;
    variants.push_back(
        boost::json::object{{"sku", variant.sku},
                            {"price_cents", variant.price_cents},
                            {"currency", variant.currency},
                            {"attributes", to_json(variant.attributes)},
                            {"in_stock", in_stock_now}});
  }
  boost::json::array images;
  for (auto& image : product.images)
    images.push_back(boost::json::value(image));
  auto rating = std::round(product.rating() * 100.0) / 100.0;
  boost::json::object page{{"id", product.product_id},
                           {"seller_id", product.seller_id},
                           {"title", product.title},
                           {"description", product.description},
                           {"brand", product.brand},
                           {"category", product.category},
                           {"attributes", to_json(product.attributes)},
                           {"images", std::move(images)},
                           {"variants", std::move(variants)},
                           {"price_cents", product.price_cents()},
                           {"currency", product.currency()},
                           {"rating", rating},
                           {"review_count", product.rating_count},
                           {"in_stock", any_in_stock},
                           {"listed", !product.delisted},
                           {"listed_at_us", product.listed_at_us}};
  rendered_product rendered;
  rendered.json = json_text(page);
  char etag[32];
  std::snprintf(etag, sizeof etag, "\"%08x%08zx\"", crc32c(rendered.json),
                rendered.json.size());
  rendered.etag = etag;
  return rendered;
}

expected<void> catalog::load_entry(std::string_view key,
                                   std::string_view value) {
  std::unique_lock guard{mutex_};
  auto loaded = records_.load_entry(key, value);
  if (!loaded)
    return std::move(loaded).error();
  if (!*loaded)
    return make_failure(errc::corrupt_record, "malformed catalog entry");
  if (key.starts_with("p/"))
    dirty_.insert(std::string{key.substr(2)});
  return {};
}

expected<void> catalog::apply(const recorded_event& event,
                              projection_writer& changes) {
  std::unique_lock guard{mutex_};
  auto change = records_.apply(event, changes);
  if (!change)
    return std::move(change).error();
  // A sale moves the product in the best sellers.
  if (*change && ((*change)->listing || (*change)->availability ||
                  (*change)->sold_delta != 0))
    dirty_.insert((*change)->product_id);
  return {};
}

expected<void> catalog::commit() {
  std::unique_lock guard{mutex_};
  for (auto& product_id : dirty_)
    refresh(product_id);
  dirty_.clear();
  return {};
}

void catalog::reset() {
  std::unique_lock guard{mutex_};
  records_.reset();
  rendered_.clear();
  indexed_.clear();
  by_category_.clear();
  by_newest_.clear();
  by_price_.clear();
  by_rating_.clear();
  by_sold_.clear();
  dirty_.clear();
}

void catalog::unindex(const std::string& product_id) {
  auto found = indexed_.find(product_id);
  if (found == indexed_.end())
    return;
  by_newest_.erase({found->second.listed_at_us, product_id});
  by_price_.erase({found->second.price_cents, product_id});
  by_rating_.erase({found->second.rating_milli, product_id});
  by_sold_.erase({found->second.units_sold, product_id});
  by_category_[found->second.category].erase(product_id);
  indexed_.erase(found);
}

void catalog::refresh(const std::string& product_id) {
  auto* product = records_.find(product_id);
  if (product == nullptr)
    return;
  auto rendered = std::make_shared<rendered_product>(render_product(
      *product, [this](auto& variant) { return records_.in_stock(variant); }));
  rendered_[product_id] = std::move(rendered);

  unindex(product_id);
  if (product->delisted)
    return;
  by_category_[product->category].insert(product_id);
  sort_keys keys{product->listed_at_us, product->price_cents(),
                 static_cast<int64_t>(std::llround(product->rating() * 1000)),
                 records_.units_sold(*product), product->category};
  by_newest_.insert({keys.listed_at_us, product_id});
  by_price_.insert({keys.price_cents, product_id});
  by_rating_.insert({keys.rating_milli, product_id});
  by_sold_.insert({keys.units_sold, product_id});
  indexed_[product_id] = keys;
}

std::shared_ptr<const rendered_product>
catalog::product(std::string_view product_id) const {
  std::shared_lock guard{mutex_};
  auto found = rendered_.find(std::string{product_id});
  return found == rendered_.end() ? nullptr : found->second;
}

product_features catalog::features_of(const product_record& product) const {
  return product_features{
      product.product_id,    product.seller_id,
      product.title,         product.brand,
      product.category,      product.attributes,
      product.price_cents(), records_.in_stock(product),
      product.delisted,      std::string{product.currency()}};
}

std::optional<product_features>
catalog::features(std::string_view product_id) const {
  std::shared_lock guard{mutex_};
  auto* product = records_.find(product_id);
  if (product == nullptr)
    return std::nullopt;
  return features_of(*product);
}

std::vector<product_features> catalog::in_category(std::string_view category,
                                                   size_t limit) const {
  std::shared_lock guard{mutex_};
  std::vector<product_features> out;
  auto found = by_category_.find(std::string{category});
  if (found == by_category_.end())
    return out;
  for (auto& product_id : found->second) {
    if (out.size() >= limit)
      break;
    if (auto* product = records_.find(product_id))
      out.push_back(features_of(*product));
  }
  return out;
}

expected<list_page<std::shared_ptr<const rendered_product>>>
catalog::browse(const browse_query& query) const {
  auto after = parse_cursor(query.cursor);
  if (!after)
    return std::move(after).error();
  std::shared_lock guard{mutex_};
  const std::set<std::pair<int64_t, std::string>>* order = &by_newest_;
  bool descending = true;
  switch (query.order) {
  case browse_order::newest:
    break;
  case browse_order::price_ascending:
    order = &by_price_;
    descending = false;
    break;
  case browse_order::price_descending:
    order = &by_price_;
    break;
  case browse_order::rating:
    order = &by_rating_;
    break;
  case browse_order::best_selling:
    order = &by_sold_;
    break;
  }
  auto matches = [&](const std::pair<int64_t, std::string>& entry) {
    auto* product = records_.find(entry.second);
    if (product == nullptr)
      return false;
    if (query.category && product->category != *query.category)
      return false;
    if (query.brand && product->brand != *query.brand)
      return false;
    if (query.seller_id && product->seller_id != *query.seller_id)
      return false;
    auto price = product->price_cents();
    if (query.price_min_cents && price < *query.price_min_cents)
      return false;
    if (query.price_max_cents && price > *query.price_max_cents)
      return false;
    if (query.in_stock_only && !records_.in_stock(*product))
      return false;
    return true;
  };
  list_page<std::shared_ptr<const rendered_product>> page;
  page.next_cursor =
      walk_page(*order, descending, *after,
                std::clamp<size_t>(query.limit, 1, list_limit_max), matches,
                [&](const sort_entry& entry) {
                  page.items.push_back(rendered_.at(entry.second));
                });
  return page;
}

} // namespace tillroll
