#include "projections/catalog/product_records.hpp"

#include "events/codec.hpp"
#include "events/keys.hpp"
#include "events/product_events.hpp"
#include "events/sku_events.hpp"
#include "projections/projection.hpp"

#include <algorithm>
#include <limits>

namespace tillroll {

namespace {

constexpr std::string_view product_prefix = "p/";
constexpr std::string_view level_prefix = "s/";

using maybe_change = std::optional<product_change>;

template <class... Handlers> struct overloaded : Handlers... {
  using Handlers::operator()...;
};
template <class... Handlers> overloaded(Handlers...) -> overloaded<Handlers...>;

} // namespace

product_record make_product_record(std::string product_id,
                                   const product_listed& listing,
                                   int64_t changed_at_us) {
  product_record product;
  product.product_id = std::move(product_id);
  product.seller_id = listing.seller_id;
  product.title = listing.title;
  product.description = listing.description;
  product.brand = listing.brand;
  product.category = listing.category;
  product.attributes = listing.attributes;
  product.images = listing.images;
  for (auto& variant : listing.variants)
    product.variants.push_back({variant.sku, variant.price_cents,
                                variant.currency, variant.attributes});
  product.listed_at_us = listing.listed_at_us;
  product.changed_at_us = changed_at_us;
  return product;
}

int64_t product_record::price_cents() const {
  int64_t lowest = std::numeric_limits<int64_t>::max();
  for (auto& variant : variants)
    lowest = std::min(lowest, variant.price_cents);
  return variants.empty() ? 0 : lowest;
}

std::string_view product_record::currency() const {
  return variants.empty() ? std::string_view{} : variants.front().currency;
}

double product_record::rating() const {
  return rating_count == 0 ? 0.0
                           : static_cast<double>(rating_sum) /
                                 static_cast<double>(rating_count);
}

const product_record* product_records::find(std::string_view product_id) const {
  auto found = products_.find(std::string{product_id});
  return found == products_.end() ? nullptr : &found->second;
}

const sku_level* product_records::level(std::string_view sku) const {
  auto found = levels_.find(std::string{sku});
  return found == levels_.end() ? nullptr : &found->second;
}

bool product_records::in_stock(const variant_record& variant) const {
  auto* stock = level(variant.sku);
  return stock != nullptr && stock->available() > 0;
}

bool product_records::in_stock(const product_record& product) const {
  return std::any_of(product.variants.begin(), product.variants.end(),
                     [this](auto& variant) { return in_stock(variant); });
}

int64_t product_records::units_sold(const product_record& product) const {
  int64_t sold = 0;
  for (auto& variant : product.variants)
    if (auto* stock = level(variant.sku); stock != nullptr)
      sold += stock->sold;
  return sold;
}

void product_records::persist(const product_record& product,
                              projection_writer& changes) {
  changes.put(std::string{product_prefix} + product.product_id,
              encode_payload(product));
}

void product_records::persist(const std::string& sku, const sku_level& level,
                              projection_writer& changes) {
  changes.put(std::string{level_prefix} + sku, encode_payload(level));
}

expected<bool> product_records::load_entry(std::string_view key,
                                           std::string_view value) {
  if (key.starts_with(product_prefix)) {
    auto product = decode_payload<product_record>(value);
    if (!product)
      return std::move(product).error();
    auto id = product->product_id;
    products_[id] = std::move(*product);
    return true;
  }
  if (key.starts_with(level_prefix)) {
    auto stock = decode_payload<sku_level>(value);
    if (!stock)
      return std::move(stock).error();
    levels_[std::string{key.substr(level_prefix.size())}] = std::move(*stock);
    return true;
  }
  return false;
}

void product_records::reset() {
  products_.clear();
  levels_.clear();
}

namespace {

/// Folds a product event other than its listing into `product`; false if
/// the event changes nothing the catalog shows.
bool fold_product_event(product_record& product, const product_event& event) {
  return std::visit(
      overloaded{[&](const product_changed& edit) {
                   apply_product_edit(product, edit);
                   return true;
                 },
                 [&](const variant_price_changed& edit) {
                   apply_product_edit(product, edit);
                   return true;
                 },
                 [&](const product_delisted&) {
                   product.delisted = true;
                   return true;
                 },
                 [&](const review_added& review) {
                   product.rating_sum += review.rating;
                   ++product.rating_count;
                   return true;
                 },
                 [&](const variants_registered& registered) {
                   // A SKU that belonged to another product is not this
                   // listing's to sell.
                   std::erase_if(product.variants, [&](auto& variant) {
                     return std::find(registered.rejected_skus.begin(),
                                      registered.rejected_skus.end(),
                                      variant.sku) !=
                            registered.rejected_skus.end();
                   });
                   return !registered.rejected_skus.empty();
                 },
                 [](const auto&) { return false; }},
      event);
}

/// Folds a SKU event other than its registration into `stock`; false if
/// the event changes no stock figure.
bool fold_sku_event(sku_level& stock, const sku_event& event) {
  auto release = [&](const std::string& order_id) {
    if (auto held = stock.holds.find(order_id); held != stock.holds.end()) {
      stock.reserved -= held->second;
      return stock.holds.extract(held).mapped();
    }
    return int64_t{0};
  };
  return std::visit(overloaded{[&](const stock_received& received) {
                                 stock.received += received.quantity;
                                 return true;
                               },
                               [&](const stock_removed& removed) {
                                 stock.received -= removed.quantity;
                                 return true;
                               },
                               [&](const stock_reserved& reserved) {
                                 stock.holds[reserved.order_id] +=
                                     reserved.quantity;
                                 stock.reserved += reserved.quantity;
                                 return true;
                               },
                               [&](const reservation_confirmed& confirmed) {
                                 stock.sold += release(confirmed.order_id);
                                 return true;
                               },
                               [&](const reservation_released& released) {
                                 release(released.order_id);
                                 return true;
                               },
                               [&](const reservation_expired& expired) {
                                 release(expired.order_id);
                                 return true;
                               },
                               [&](const sale_returned& returned) {
                                 stock.sold -= returned.quantity;
                                 return true;
                               },
                               [](const auto&) { return false; }},
                    event);
}

} // namespace

expected<std::optional<product_change>>
product_records::apply(const recorded_event& record,
                       projection_writer& changes) {
  auto kind = stream_kind(record.stream_id);
  auto id = std::string{stream_entity_id(record.stream_id)};
  if (kind == "product")
    return apply_product(id, record, changes);
  if (kind == "sku")
    return apply_sku(id, record, changes);
  return maybe_change{};
}

expected<std::optional<product_change>>
product_records::apply_product(const std::string& id,
                               const recorded_event& record,
                               projection_writer& changes) {
  auto event = decode_event<product_event>(record);
  if (!event)
    return std::move(event).error();
  int64_t at_us = record.recorded_at.time_since_epoch().count();
  if (auto* listed = std::get_if<product_listed>(&*event)) {
    auto& product = products_[id];
    product = make_product_record(id, *listed, at_us);
    persist(product, changes);
    return maybe_change{product_change{id, true, true, 0, std::nullopt}};
  }
  auto found = products_.find(id);
  if (found == products_.end())
    return maybe_change{};
  auto& product = found->second;
  product_change change{id, true, false, 0, product};
  if (!fold_product_event(product, *event))
    return maybe_change{};
  product.changed_at_us = at_us;
  persist(product, changes);
  return maybe_change{std::move(change)};
}

expected<std::optional<product_change>>
product_records::apply_sku(const std::string& id, const recorded_event& record,
                           projection_writer& changes) {
  auto event = decode_event<sku_event>(record);
  if (!event)
    return std::move(event).error();
  if (auto* registered = std::get_if<sku_registered>(&*event)) {
    auto& stock = levels_[id];
    stock.product_id = registered->product_id;
    persist(id, stock, changes);
    return maybe_change{
        product_change{stock.product_id, false, true, 0, std::nullopt}};
  }
  auto found = levels_.find(id);
  if (found == levels_.end())
    return maybe_change{};
  auto& stock = found->second;
  bool was_in_stock = stock.available() > 0;
  int64_t sold_before = stock.sold;
  if (!fold_sku_event(stock, *event))
    return maybe_change{};
  persist(id, stock, changes);
  return maybe_change{product_change{stock.product_id, false,
                                     was_in_stock != (stock.available() > 0),
                                     stock.sold - sold_before, std::nullopt}};
}

} // namespace tillroll
