// The payment actor: the event-sourced shell around the payment decider.
#pragma once

#include "actors/entity_registry.hpp"
#include "actors/payment/payment_state.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

namespace tillroll {

void add_payment_kind(entity_kinds& kinds);

} // namespace tillroll

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::payment_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::payment_view)
