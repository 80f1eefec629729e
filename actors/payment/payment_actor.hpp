// The payment actor: the event-sourced shell around the payment decider,
// and the PSP step its order asks for. The order never talks to the PSP:
// it asks its payment to charge or refund, the payment asks the PSP
// (status first, then the charge, always under its own idempotency key),
// records what the PSP said and answers the order with that outcome.
#pragma once

#include "actors/entity_registry.hpp"
#include "actors/payment/payment_state.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

namespace tillroll {

void add_payment_kind(entity_kinds& kinds);

} // namespace tillroll

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::payment_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::payment_view)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::charge_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::refund_request)
