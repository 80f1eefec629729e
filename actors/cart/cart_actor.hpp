// The cart actor: the event-sourced shell around the cart decider.
#pragma once

#include "actors/cart/cart_state.hpp"
#include "actors/entity_registry.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

namespace tillroll {

void add_cart_kind(entity_kinds& kinds);

} // namespace tillroll

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::cart_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::cart_view)
