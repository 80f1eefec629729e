// The user actor: the event-sourced shell around the account decider.
#pragma once

#include "actors/entity_registry.hpp"
#include "actors/user/user_state.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

namespace tillroll {

void add_user_kind(entity_kinds& kinds);

} // namespace tillroll

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::user_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tillroll::user_view)
