#include "actors/product/product_state.hpp"

#include "events/currency.hpp"

#include <algorithm>
#include <cassert>
#include <set>

namespace tillroll {

namespace {

using events = std::vector<product_event>;

failure invalid(std::string message) {
  return make_failure(errc::invalid_argument, std::move(message));
}

expected<void> check_text(const std::string& text, size_t limit,
                          std::string_view field) {
  if (text.size() > limit)
    return invalid(std::string{field} + " is longer than " +
                   std::to_string(limit) + " bytes");
  return {};
}

expected<void>
check_attributes(const std::map<std::string, std::string>& attributes) {
  if (attributes.size() > product_attributes_max)
    return invalid("at most 50 attributes");
  for (auto& [key, value] : attributes)
    if (key.empty() || key.size() > product_attribute_size_max ||
        value.size() > product_attribute_size_max)
      return invalid("attribute names and values have up to 200 bytes");
  return {};
}

expected<void> check_images(const std::vector<std::string>& images) {
  if (images.size() > product_images_max)
    return invalid("at most 20 images");
  for (auto& url : images)
    if (url.empty() || url.size() > product_image_url_size_max ||
        (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0))
      return invalid("images are http(s) URLs of up to 500 bytes");
  return {};
}

expected<void> check_price(int64_t price_cents, const std::string& currency) {
  if (price_cents < 1 || price_cents > 10'000'000'000)
    return invalid("price_cents must be between 1 and 10000000000");
  if (!known_currency(currency))
    return invalid("currency must be an ISO 4217 code such as USD");
  return {};
}

struct decider {
  const product_state& state;
  timestamp now;

  expected<void> owner(const caller& requested_by) const {
    if (!requested_by.is(role::seller, state.listing.seller_id))
      return make_failure(errc::forbidden, "only the product's seller may "
                                           "change it");
    return {};
  }

  expected<events> operator()(const list_product& command) const {
    if (command.requested_by.role != role::seller ||
        command.requested_by.user_id.empty())
      return make_failure(errc::forbidden, "only a seller lists products");
    auto listing = command.listing;
    listing.seller_id = command.requested_by.user_id;
    if (state.listed) {
      if (state.listing.seller_id == listing.seller_id &&
          state.listing.title == listing.title)
        return events{};
      return make_failure(errc::conflict, "the product id is taken");
    }
    if (listing.title.empty())
      return invalid("title is required");
    for (auto ok :
         {check_text(listing.title, product_title_size_max, "title"),
          check_text(listing.description, product_description_size_max,
                     "description"),
          check_text(listing.brand, product_title_size_max, "brand"),
          check_text(listing.category, product_title_size_max, "category"),
          check_attributes(listing.attributes), check_images(listing.images)})
      if (!ok)
        return std::move(ok).error();
    if (listing.variants.empty() ||
        listing.variants.size() > product_variants_max)
      return invalid("a product has 1 to 100 variants");
    std::set<std::string> skus;
    for (auto& variant : listing.variants) {
      if (variant.sku.empty() || variant.sku.size() > 128 ||
          !skus.insert(variant.sku).second)
        return invalid("each variant has its own sku of up to 128 bytes");
      if (auto ok = check_price(variant.price_cents, variant.currency); !ok)
        return std::move(ok).error();
      if (auto ok = check_attributes(variant.attributes); !ok)
        return std::move(ok).error();
      if (variant.initial_stock < 0 || variant.initial_stock > 1'000'000'000)
        return invalid("stock must be between 0 and 1000000000");
      // A cart and an order pay in one currency, so a product sells in
      // one.
      if (variant.currency != listing.variants.front().currency)
        return invalid("a product's variants share one currency");
    }
    listing.listed_at_us = now.time_since_epoch().count();
    return events{std::move(listing)};
  }

  expected<events> operator()(const change_product& command) const {
    if (auto ok = owner(command.requested_by); !ok)
      return std::move(ok).error();
    if (state.delisted)
      return make_failure(errc::wrong_state, "the product is delisted");
    auto& changes = command.changes;
    bool listing_changes = changes.title || changes.description ||
                           changes.brand || changes.category ||
                           changes.attributes || changes.images;
    if (!listing_changes && command.prices.empty())
      return invalid("nothing to change");
    events out;
    if (listing_changes) {
      if (auto ok = check_changes(changes); !ok)
        return std::move(ok).error();
      out.push_back(changes);
    }
    std::set<std::string> priced;
    for (auto& price : command.prices) {
      if (!priced.insert(price.sku).second)
        return invalid("a change prices " + price.sku + " once");
      auto changed = price_change(price.sku, price.price_cents, price.currency);
      if (!changed)
        return std::move(changed).error();
      out.push_back(std::move(*changed));
    }
    return out;
  }

  expected<events> operator()(const change_variant_price& command) const {
    if (auto ok = owner(command.requested_by); !ok)
      return std::move(ok).error();
    if (state.delisted)
      return make_failure(errc::wrong_state, "the product is delisted");
    auto changed =
        price_change(command.sku, command.price_cents, command.currency);
    if (!changed)
      return std::move(changed).error();
    return events{std::move(*changed)};
  }

  static expected<void> check_changes(const product_changed& changes) {
    if (changes.title && (changes.title->empty() ||
                          changes.title->size() > product_title_size_max))
      return invalid("title must have 1 to 200 bytes");
    if (changes.description &&
        changes.description->size() > product_description_size_max)
      return invalid("description is too long");
    if (changes.brand)
      if (auto ok = check_text(*changes.brand, product_title_size_max, "brand");
          !ok)
        return std::move(ok).error();
    if (changes.category && (changes.category->empty() ||
                             changes.category->size() > product_title_size_max))
      return invalid("category must have 1 to 200 bytes");
    if (changes.attributes)
      if (auto ok = check_attributes(*changes.attributes); !ok)
        return std::move(ok).error();
    if (changes.images)
      if (auto ok = check_images(*changes.images); !ok)
        return std::move(ok).error();
    return {};
  }

  /// A new price of one of this product's variants, in its currency.
  expected<variant_price_changed>
  price_change(const std::string& sku, int64_t price_cents,
               const std::string& currency) const {
    if (auto ok = check_price(price_cents, currency); !ok)
      return std::move(ok).error();
    // A variant whose SKU belonged to another product is not this one's
    // to price.
    if (product_entity::owns_sku(state, sku))
      for (auto& variant : state.listing.variants)
        if (variant.sku == sku) {
          if (variant.currency != currency)
            return invalid("a variant's currency stays " + variant.currency);
          return variant_price_changed{sku, price_cents, currency};
        }
    return make_failure(errc::not_found, "the product has no such variant");
  }

  expected<events> operator()(const delist_product& command) const {
    if (auto ok = owner(command.requested_by); !ok)
      return std::move(ok).error();
    if (state.delisted)
      return events{};
    return events{product_delisted{}};
  }

  expected<events> operator()(const add_review& command) const {
    if (command.requested_by.role != role::buyer || !command.delivered)
      return make_failure(errc::forbidden,
                          "only a buyer who received the product reviews it");
    if (command.rating < 1 || command.rating > 5)
      return invalid("rating must be 1 to 5");
    if (command.text.size() > review_text_size_max)
      return invalid("a review has up to 2000 bytes");
    auto& buyer = command.requested_by.user_id;
    if (state.reviews.contains(buyer))
      return make_failure(errc::conflict, "one review per buyer");
    return events{review_added{buyer, command.rating, command.text,
                               now.time_since_epoch().count()}};
  }

  expected<events> operator()(const record_variants_registered& command) const {
    if (state.variants_ready)
      return events{};
    return events{variants_registered{command.rejected_skus}};
  }

  expected<events> operator()(const record_price_synced& command) const {
    if (!state.prices_unsynced.contains(command.sku))
      return events{};
    return events{variant_price_synced{command.sku}};
  }

  expected<events> operator()(const record_skus_withdrawn&) const {
    if (!state.delisted || state.skus_withdrawn)
      return events{};
    return events{skus_withdrawn{}};
  }

  expected<events> operator()(const get_product&) const { return events{}; }
};

struct applier {
  product_state& state;
  void operator()(const product_listed& event) {
    state.listed = true;
    state.listing = event;
  }
  void operator()(const product_changed& event) {
    apply_product_edit(state.listing, event);
  }
  void operator()(const variant_price_synced& event) {
    state.prices_unsynced.erase(event.sku);
  }
  void operator()(const variant_price_changed& event) {
    state.prices_unsynced.insert(event.sku);
    apply_product_edit(state.listing, event);
  }
  void operator()(const product_delisted&) { state.delisted = true; }
  void operator()(const skus_withdrawn&) { state.skus_withdrawn = true; }
  void operator()(const review_added& event) {
    state.reviews[event.buyer_id] = {event.rating, event.text, event.at_us};
    state.rating_sum += event.rating;
  }
  void operator()(const variants_registered& event) {
    state.variants_ready = true;
    state.rejected_skus = event.rejected_skus;
  }
};

} // namespace

expected<std::vector<product_event>> decide(const product_state& state,
                                            const product_command& command,
                                            timestamp now) {
  if (!state.listed && !std::holds_alternative<list_product>(command))
    return make_failure(errc::not_found, "no such product");
  return std::visit(decider{state, now}, command);
}

bool product_entity::owns_sku(const product_state& state,
                              const std::string& sku) {
  // Before the SKUs are registered nothing is known to be rejected; the
  // SKU itself refuses a price from a product not its own.
  return std::find(state.rejected_skus.begin(), state.rejected_skus.end(),
                   sku) == state.rejected_skus.end();
}

void apply_event(product_state& state, const product_event& event) {
  std::visit(applier{state}, event);
  assert(state.rating_sum >= static_cast<int64_t>(state.reviews.size()));
  assert(state.rating_sum <= 5 * static_cast<int64_t>(state.reviews.size()));
}

} // namespace tillroll
