// tillroll's errc as a CAF error category, so a rejected command reaches
// the requester across the actor boundary as an error value.
#pragma once

#include "events/errc.hpp"

#include <caf/atom.hpp>
#include <caf/fwd.hpp>

namespace tillroll {

inline constexpr caf::atom_value error_category = caf::atom("tillroll");

caf::error to_caf_error(const failure& why);

/// A tillroll failure from any CAF error: CAF's own (timeouts, dead
/// receivers) become `timeout` or `unavailable`, retryable.
failure from_caf_error(const caf::error& error);

/// Registers the category's renderer so CAF prints codes by name.
void add_error_category(caf::actor_system_config& config);

} // namespace tillroll
