// A flash sale's state as the admin's replay shows it: its terms without
// the ticket key, and counts instead of every ticket.
#pragma once

#include "actors/flash_sale/flash_sale_state.hpp"

#include <boost/json/value.hpp>

namespace tillroll {

boost::json::value to_json(const flash_sale_state& state);

} // namespace tillroll
