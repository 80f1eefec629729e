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
  struct progress {
    size_t waiting = 0;
    bool passing_failure = false;
  };
  auto tally = std::make_shared<progress>();
  std::vector<std::string> skus;
  for (auto& variant : st.state.listing.variants)
    if (product_entity::owns_sku(st.state, variant.sku))
      skus.push_back(variant.sku);
  if (skus.empty())
    return saga_finish<product_entity>(self, record_skus_withdrawn{});
  tally->waiting = skus.size();
  for (auto& sku : skus)
    saga_call<sku_entity>(self, sku, withdraw_sku{st.id},
                          [self, tally](expected<sku_view> withdrawn) {
                            if (!withdrawn &&
                                !final_code(withdrawn.error().code))
                              tally->passing_failure = true;
                            if (--tally->waiting > 0)
                              return;
                            if (tally->passing_failure)
                              return saga_retry_later<product_entity>(self);
                            saga_finish<product_entity>(
                                self, record_skus_withdrawn{});
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
    struct progress {
      size_t waiting = 0;
      bool passing_failure = false;
      std::vector<std::string> rejected;
    };
    auto tally = std::make_shared<progress>();
    tally->waiting = listing.variants.size();
    for (auto& variant : listing.variants) {
      auto sku = variant.sku;
      saga_call<sku_entity>(
          self, sku,
          register_sku{st.id, listing.seller_id, variant.price_cents,
                       variant.currency, variant.initial_stock},
          [self, tally, sku](expected<sku_view> registered) {
            if (!registered) {
              if (final_code(registered.error().code))
                tally->rejected.push_back(sku);
              else
                tally->passing_failure = true;
            }
            if (--tally->waiting > 0)
              return;
            if (tally->passing_failure)
              return saga_retry_later<product_entity>(self);
            saga_finish<product_entity>(
                self, record_variants_registered{std::move(tally->rejected)});
          });
    }
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
