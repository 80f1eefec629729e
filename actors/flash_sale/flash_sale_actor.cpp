#include "actors/flash_sale/flash_sale_actor.hpp"

#include "actors/saga.hpp"
#include "actors/sku/sku_actor.hpp"

#include <caf/actor_system.hpp>

namespace tillroll {

namespace {

using sale_self = entity_actor_type<flash_sale_entity>;

/// A creation's allocation: the SKU sets the quantity aside, or says why
/// not; a passing failure is tried again.
void allocate(sale_self* self) {
  auto& terms = self->state.state.terms;
  saga_call<sku_entity>(
      self, terms.sku,
      sku_command{set_aside_stock{self->state.id, terms.quantity}},
      [self](expected<sku_view> answer) {
        if (!answer && !final_code(answer.error().code))
          return saga_retry_later<flash_sale_entity>(self);
        if (!answer)
          return saga_finish<flash_sale_entity>(
              self, record_allocation{std::nullopt, answer.error()});
        saga_finish<flash_sale_entity>(self,
                                       record_allocation{*answer, failure{}});
      });
}

/// What the sale will not sell goes back to the SKU, by its running total,
/// so that a retry takes back nothing twice.
void give_back(sale_self* self) {
  auto total = self->state.state.given_back;
  saga_call<sku_entity>(self, self->state.state.terms.sku,
                        sku_command{take_back_set_aside{self->state.id, total}},
                        [self, total](expected<sku_view> answer) {
                          if (!answer)
                            return saga_retry_later<flash_sale_entity>(self);
                          saga_finish<flash_sale_entity>(
                              self, record_give_back{total});
                        });
}

struct flash_sale_driver {
  static void on_settled(sale_self* self) {
    auto& st = self->state;
    if (st.step_in_flight)
      return;
    if (st.state.status == sale_status::allocating) {
      st.step_in_flight = true;
      return allocate(self);
    }
    if (st.state.given_back_acknowledged < st.state.given_back) {
      st.step_in_flight = true;
      give_back(self);
    }
  }
};

} // namespace

void add_flash_sale_kind(entity_kinds& kinds) {
  kinds.emplace(std::string{flash_sale_entity::kind},
                [](caf::actor_system& system, entity_context* context,
                   const std::string& id) {
                  return system.spawn(
                      entity_actor<flash_sale_entity, flash_sale_driver>,
                      context, id);
                });
}

} // namespace tillroll
