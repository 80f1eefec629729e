// The SKU actor: the event-sourced shell around the SKU decider, and the
// message types its clients send and receive.
#pragma once

#include "actors/entity_registry.hpp"
#include "actors/sku/sku_state.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

namespace tillroll {

/// Adds the "sku" kind to a registry's kinds.
void add_sku_kind(entity_kinds& kinds);

} // namespace tillroll

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::sku_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::sku_view)
