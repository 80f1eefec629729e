// Every entity kind of tillroll, in one table: its entity description (the
// name, which is also its streams' prefix, `sku-...`, and its state and
// event types) and how a registry spawns it. The node's registry, replay
// and describe read it, so a new kind is a row here.
#pragma once

#include "actors/cart/cart_actor.hpp"
#include "actors/entity_registry.hpp"
#include "actors/flash_sale/flash_sale_actor.hpp"
#include "actors/order/order_actor.hpp"
#include "actors/payment/payment_actor.hpp"
#include "actors/product/product_actor.hpp"
#include "actors/sku/sku_actor.hpp"
#include "actors/user/user_actor.hpp"

#include <string_view>
#include <tuple>

namespace tillroll {

template <class Entity> struct entity_kind {
  using entity_type = Entity;
  static constexpr std::string_view name = Entity::kind;
  /// Adds the kind's spawner to a registry's kinds (defined with its
  /// actor, which knows the actor's driver).
  void (*add_spawner)(entity_kinds&);
};

inline constexpr std::tuple entity_kind_table{
    entity_kind<sku_entity>{add_sku_kind},
    entity_kind<payment_entity>{add_payment_kind},
    entity_kind<order_entity>{add_order_kind},
    entity_kind<cart_entity>{add_cart_kind},
    entity_kind<product_entity>{add_product_kind},
    entity_kind<user_entity>{add_user_kind},
    entity_kind<flash_sale_entity>{add_flash_sale_kind},
};

/// Calls `visit(kind)` with each row of the table, in its order.
template <class Visit> void for_each_entity_kind(Visit&& visit) {
  std::apply([&](const auto&... kind) { (visit(kind), ...); },
             entity_kind_table);
}

} // namespace tillroll
