#include "actors/product/product_actor.hpp"

#include "actors/saga.hpp"
#include "actors/sku/sku_actor.hpp"

#include <caf/actor_system.hpp>

#include <memory>

namespace tillroll {

namespace {

using product_self = entity_actor_type<product_entity>;

/// Pushes one changed price to its SKU, the price every cart and checkout
/// reads.
void sync_price(product_self* self) {
  auto& st = self->state;
  auto sku = *st.state.prices_unsynced.begin();
  for (auto& variant : st.state.listing.variants) {
    if (variant.sku != sku)
      continue;
    saga_call<sku_entity>(
        self, sku,
        set_price{variant.price_cents, variant.currency, st.id,
                  st.state.listing.seller_id},
        [self, sku](expected<sku_view> set) {
          if (!set && !final_code(set.error().code))
            return saga_retry_later<product_entity>(self);
          saga_finish<product_entity>(self, record_price_synced{sku});
        });
    return;
  }
  saga_finish<product_entity>(self, record_price_synced{sku});
}

/// Tells every SKU the product owns that it is no longer sold.
void withdraw_skus(product_self* self) {
  auto& st = self->state;
  std::vector<std::string> skus;
  for (auto& variant : st.state.listing.variants)
    if (product_entity::owns_sku(st.state, variant.sku))
      skus.push_back(variant.sku);
  if (skus.empty())
    return saga_finish<product_entity>(self, record_skus_withdrawn{});
  saga_call_all<sku_entity>(
      self, skus,
      [product_id = st.id](const std::string&) {
        return sku_command{withdraw_sku{product_id}};
      },
      [self](refusals) {
        saga_finish<product_entity>(self, record_skus_withdrawn{});
      });
}

struct product_driver {
  static void on_settled(product_self* self) {
    auto& st = self->state;
    if (st.step_in_flight || !product_entity::pending_work(st.state))
      return;
    st.step_in_flight = true;
    if (st.state.variants_ready && st.state.delisted &&
        !st.state.skus_withdrawn)
      return withdraw_skus(self);
    if (st.state.variants_ready)
      return sync_price(self);
    auto& listing = st.state.listing;
    std::vector<std::string> skus;
    for (auto& variant : listing.variants)
      skus.push_back(variant.sku);
    saga_call_all<sku_entity>(
        self, skus,
        [self](const std::string& sku) {
          auto& st = self->state;
          for (auto& variant : st.state.listing.variants)
            if (variant.sku == sku)
              return sku_command{register_sku{
                  st.id, st.state.listing.seller_id, variant.price_cents,
                  variant.currency, variant.initial_stock}};
          return sku_command{get_sku{}};
        },
        [self](refusals rejected) {
          saga_finish<product_entity>(
              self, record_variants_registered{std::move(rejected.ids)});
        });
  }
};

} // namespace

void add_product_kind(entity_kinds& kinds) {
  kinds.emplace(std::string{product_entity::kind}, [](caf::actor_system& system,
                                                      entity_context* context,
                                                      const std::string& id) {
    return system.spawn(entity_actor<product_entity, product_driver>, context,
                        id);
  });
}

} // namespace tillroll
