// A product as a decider: a seller's listing with its variants (each a
// SKU), changes, delisting and reviews with a rating aggregate. Only the
// owning seller changes it: the check is here, not only in http/.
#pragma once

#include "actors/caller.hpp"
#include "events/envelope.hpp"
#include "events/expected.hpp"
#include "events/product_events.hpp"

#include <boost/describe/class.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace tillroll {

inline constexpr size_t product_title_size_max = 200;
inline constexpr size_t product_description_size_max = 10'000;
inline constexpr size_t product_attributes_max = 50;
inline constexpr size_t product_attribute_size_max = 200;
inline constexpr size_t product_images_max = 20;
inline constexpr size_t product_image_url_size_max = 500;
inline constexpr size_t product_variants_max = 100;
inline constexpr size_t review_text_size_max = 2000;

struct product_review {
  int32_t rating = 0;
  std::string text;
  int64_t at_us = 0;
  template <class Archive> void serialize(Archive& archive) {
    archive(rating, text, at_us);
  }
};
BOOST_DESCRIBE_STRUCT(product_review, (), (rating, text, at_us))

struct product_state {
  bool listed = false;
  bool delisted = false;
  bool variants_ready = false;
  /// The delisting reached every SKU.
  bool skus_withdrawn = false;
  product_listed listing;
  std::vector<std::string> rejected_skus;
  /// Variants whose new price the SKU does not charge yet.
  std::set<std::string> prices_unsynced;
  /// One review per buyer.
  std::map<std::string, product_review> reviews;
  int64_t rating_sum = 0;

  double rating() const {
    return reviews.empty() ? 0.0
                           : static_cast<double>(rating_sum) /
                                 static_cast<double>(reviews.size());
  }
  template <class Archive> void serialize(Archive& archive) {
    archive(listed, delisted, variants_ready, skus_withdrawn, listing,
            rejected_skus, prices_unsynced, reviews, rating_sum);
  }
};
/// What the admin API shows; the saga's bookkeeping (skus_withdrawn,
/// prices_unsynced) stays in the snapshot only.
BOOST_DESCRIBE_STRUCT(product_state, (),
                      (listed, delisted, variants_ready, listing, rejected_skus,
                       reviews, rating_sum))

/// Commands from outside carry their caller; the decider answers
/// `forbidden` to anyone but the product's seller (and a review to anyone
/// but a buyer who received it).
struct list_product {
  caller requested_by;
  /// Its `seller_id` is the caller's, whatever it says.
  product_listed listing;
};
/// Changes the listing's fields and the prices of its variants at once:
/// every part is checked before any event, so a refused change leaves
/// the product as it was.
struct change_product {
  caller requested_by;
  product_changed changes;
  /// New prices: sku, price_cents and currency of existing variants.
  std::vector<product_variant> prices;
};
struct change_variant_price {
  caller requested_by;
  std::string sku;
  int64_t price_cents = 0;
  std::string currency;
};
struct delist_product {
  caller requested_by;
};
/// `delivered`: the order history has a delivered order of this product
/// for the caller. It is a fact given to the decider, as the time is (a
/// decider reads no other entity); whether it allows a review is decided
/// here.
struct add_review {
  caller requested_by;
  bool delivered = false;
  int32_t rating = 0;
  std::string text;
};
struct record_variants_registered {
  std::vector<std::string> rejected_skus;
};
struct record_price_synced {
  std::string sku;
};
struct record_skus_withdrawn {};
struct get_product {};

using product_command =
    std::variant<list_product, change_product, change_variant_price,
                 delist_product, add_review, record_variants_registered,
                 record_price_synced, record_skus_withdrawn, get_product>;

struct product_view {
  std::string product_id;
  bool delisted = false;
  product_listed listing;
  double rating = 0;
  size_t review_count = 0;
};

[[nodiscard]] expected<std::vector<product_event>>
decide(const product_state& state, const product_command& command,
       timestamp now);
void apply_event(product_state& state, const product_event& event);

struct product_entity {
  static constexpr std::string_view kind = "product";
  // 2: whether the delisting reached the SKUs.
  static constexpr uint16_t snapshot_version = 2;
  using state_type = product_state;
  using event_type = product_event;
  using command_type = product_command;
  using reply_type = product_view;

  static product_view reply(const product_state& state,
                            const product_command&) {
    return product_view{"", state.delisted, state.listing, state.rating(),
                        state.reviews.size()};
  }
  /// The listing's variants still need their SKUs registered, a new
  /// price pushed to its SKU, or the delisting pushed to them.
  static bool pending_work(const product_state& state) {
    return state.listed &&
           (!state.variants_ready || !state.prices_unsynced.empty() ||
            (state.delisted && !state.skus_withdrawn));
  }
  /// The variants whose SKUs the product owns (not those another product
  /// had taken).
  static bool owns_sku(const product_state& state, const std::string& sku);
};

} // namespace tillroll
