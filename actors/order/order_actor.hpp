// The order actor: the checkout saga. The decider keeps the state machine;
// the driver here takes each next step (reserve, charge, confirm, release,
// refund) by asking the SKU, payment and cart actors (the payment talks to
// the PSP), and records the outcome as a command, so each step is
// persisted before the next.
#pragma once

#include "actors/entity_registry.hpp"
#include "actors/order/order_state.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

namespace tillroll {

void add_order_kind(entity_kinds& kinds);

} // namespace tillroll

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::order_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::order_view)
