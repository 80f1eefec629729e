// SKU events, state and views as JSON, for replay, the admin API and HTTP.
#pragma once

#include "actors/sku/sku_state.hpp"

#include <boost/json/value.hpp>

namespace tillroll {

boost::json::value to_json(const sku_event& event);
boost::json::value to_json(const sku_state& state);
boost::json::value to_json(const sku_view& view);

} // namespace tillroll
