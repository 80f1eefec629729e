// Every event and state as JSON for replay and the admin API, through the
// field lists beside their structs (events/*_events.hpp, actors/*/
// *_state.hpp) and events/described_json.hpp: a field added to a struct
// is added to its list there, and nowhere else.
#pragma once

#include "actors/cart/cart_state.hpp"
#include "actors/order/order_state.hpp"
#include "actors/payment/payment_state.hpp"
#include "actors/product/product_state.hpp"
#include "actors/user/user_state.hpp"
#include "events/described_json.hpp"
