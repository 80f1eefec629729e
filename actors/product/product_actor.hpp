// The product actor: the decider's shell, and a driver that registers the
// SKU of every variant once the listing is durable.
#pragma once

#include "actors/entity_registry.hpp"
#include "actors/product/product_state.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

namespace tillroll {

void add_product_kind(entity_kinds& kinds);

} // namespace tillroll

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::product_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::product_view)
