// The flash sale actor: the event-sourced shell around the sale's decider,
// with the steps it owes the SKU: set the quantity aside at creation, take
// back what the sale will not sell.
#pragma once

#include "actors/entity_registry.hpp"
#include "actors/flash_sale/flash_sale_state.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

namespace tillroll {

/// Adds the "flash_sale" kind to a registry's kinds.
void add_flash_sale_kind(entity_kinds& kinds);

} // namespace tillroll

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::flash_sale_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::flash_sale_view)
