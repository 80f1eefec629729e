#include "actors/sku/sku_state.hpp"

#include "events/currency.hpp"

#include <algorithm>
#include <cassert>

namespace tillroll {

namespace {

using events = std::vector<sku_event>;

failure invalid(std::string message) {
  return make_failure(errc::invalid_argument, std::move(message));
}

// Nothing is sold for nothing: an order of price 0 would wait for a
// charge that never comes.
expected<void> check_price(int64_t price_cents, const std::string& currency) {
  if (price_cents < 1 || price_cents > price_cents_max)
    return invalid("price_cents must be between 1 and 10000000000");
  if (!known_currency(currency))
    return invalid("currency must be an ISO 4217 code such as USD");
  return {};
}

failure hold_ended() {
  return make_failure(errc::reservation_expired,
                      "the order's hold on this sku has ended");
}

expected<void> check_order_id(const std::string& order_id) {
  if (order_id.empty() || order_id.size() > order_id_size_max)
    return invalid("order_id must have 1 to 128 bytes");
  return {};
}

int64_t expiry(timestamp now, std::chrono::microseconds ttl) {
  return (now + ttl).time_since_epoch().count();
}

struct decider {
  const sku_state& state;
  timestamp now;

  expected<events> operator()(const register_sku& command) const {
    if (state.registered) {
      if (state.product_id == command.product_id &&
          state.seller_id == command.seller_id)
        return events{};
      return make_failure(errc::conflict, "the sku belongs to another product");
    }
    if (command.product_id.empty() || command.seller_id.empty())
      return invalid("product_id and seller_id are required");
    if (auto ok = check_price(command.price_cents, command.currency); !ok)
      return std::move(ok).error();
    if (command.initial_stock < 0 || command.initial_stock > stock_quantity_max)
      return invalid("stock must be between 0 and 1000000000");
    events result{sku_registered{command.product_id, command.seller_id,
                                 command.price_cents, command.currency}};
    if (command.initial_stock > 0)
      result.emplace_back(stock_received{command.initial_stock});
    return result;
  }

  expected<events> operator()(const adjust_stock& command) const {
    if (!command.requested_by.is(role::seller, state.seller_id))
      return make_failure(errc::forbidden, "the sku is another seller's");
    if (command.delta == 0 || command.delta > stock_quantity_max ||
        command.delta < -stock_quantity_max)
      return invalid("delta must be non-zero and at most 1000000000 in size");
    auto& key = command.idempotency_key;
    if (key.size() > stock_change_key_size_max)
      return invalid("Idempotency-Key has at most 64 bytes");
    if (auto seen = state.stock_change_keys.find(key);
        !key.empty() && seen != state.stock_change_keys.end()) {
      if (seen->second.quantity == command.delta)
        return events{};
      return make_failure(errc::idempotency_conflict,
                          "the Idempotency-Key was used with another delta");
    }
    events result;
    if (command.delta > 0) {
      if (state.received + command.delta > stock_quantity_max)
        return invalid("stock would exceed 1000000000");
      result.emplace_back(stock_received{command.delta});
    } else {
      if (state.available() + command.delta < 0)
        return make_failure(errc::conflict,
                            "removing " + std::to_string(-command.delta) +
                                " would go below what is sold and reserved; " +
                                std::to_string(state.available()) +
                                " can be removed");
      result.emplace_back(stock_removed{-command.delta});
    }
    if (!key.empty())
      result.emplace_back(stock_change_keyed{key, command.delta,
                                             now.time_since_epoch().count()});
    return result;
  }

  expected<events> operator()(const set_price& command) const {
    if (command.product_id != state.product_id ||
        command.seller_id != state.seller_id)
      return make_failure(errc::forbidden,
                          "only the sku's own product changes its price");
    if (auto ok = check_price(command.price_cents, command.currency); !ok)
      return std::move(ok).error();
    if (command.currency != state.currency)
      return invalid("a sku's currency stays " + state.currency);
    if (command.price_cents == state.price_cents &&
        command.currency == state.currency)
      return events{};
    return events{price_set{command.price_cents, command.currency}};
  }

  expected<events> operator()(const reserve_stock& command) const {
    if (auto ok = check_order_id(command.order_id); !ok)
      return std::move(ok).error();
    if (command.quantity < 1 || command.quantity > reservation_quantity_max)
      return invalid("quantity must be between 1 and 10000");
    if (command.ttl <= std::chrono::microseconds::zero() ||
        command.ttl > reservation_ttl_max)
      return invalid("a reservation's ttl is positive and at most an hour");
    if (auto held = state.reservations.find(command.order_id);
        held != state.reservations.end()) {
      if (held->second.quantity != command.quantity)
        return make_failure(errc::conflict,
                            "order already holds another quantity");
      // A hold asked for again answers for the TTL asked, from now, as a
      // new one would: the order counts on that (holds_outlast_charge),
      // and a node restarted with a longer TTL asks again. One that has
      // ended is not taken up again.
      if (expired(held->second))
        return hold_ended();
      auto until = expiry(now, command.ttl);
      if (until <= held->second.expires_at_us)
        return events{};
      return events{reservation_extended{command.order_id, until}};
    }
    if (auto sold = state.confirmed_orders.find(command.order_id);
        sold != state.confirmed_orders.end()) {
      if (sold->second.quantity == command.quantity)
        return events{};
      return make_failure(errc::conflict, "order already bought another "
                                          "quantity");
    }
    if (state.ended_orders.contains(command.order_id))
      return hold_ended();
    if (state.withdrawn)
      return make_failure(errc::delisted, "the product is delisted");
    if (state.available() < command.quantity)
      return make_failure(errc::out_of_stock,
                          std::to_string(state.available()) + " available");
    return events{stock_reserved{command.order_id, command.quantity,
                                 expiry(now, command.ttl)}};
  }

  bool expired(const sku_reservation& held) const {
    return held.expires_at_us <= now.time_since_epoch().count();
  }

  // A hold past its expiry is over even before the timer ends it: the
  // TTL is the promise, so nothing is sold or extended past it.
  expected<events> operator()(const confirm_reservation& command) const {
    if (state.confirmed_orders.contains(command.order_id))
      return events{};
    if (auto held = state.reservations.find(command.order_id);
        held != state.reservations.end() && !expired(held->second))
      return events{reservation_confirmed{command.order_id}};
    return hold_ended();
  }

  expected<events> operator()(const release_reservation& command) const {
    if (state.reservations.contains(command.order_id))
      return events{reservation_released{command.order_id}};
    if (state.confirmed_orders.contains(command.order_id))
      return make_failure(errc::wrong_state,
                          "the order's reservation is already sold");
    // Releasing what was never held, or already ended, changes nothing:
    // a compensating saga step may run more than once.
    return events{};
  }

  expected<events> operator()(const extend_reservation& command) const {
    if (command.ttl <= std::chrono::microseconds::zero() ||
        command.ttl > reservation_ttl_max)
      return invalid("an extension's ttl is positive and at most an hour");
    auto held = state.reservations.find(command.order_id);
    if (held == state.reservations.end() || expired(held->second))
      return hold_ended();
    auto until = expiry(now, command.ttl);
    if (until <= held->second.expires_at_us)
      return events{};
    return events{reservation_extended{command.order_id, until}};
  }

  expected<events> operator()(const return_sale& command) const {
    auto sold = state.confirmed_orders.find(command.order_id);
    if (sold != state.confirmed_orders.end())
      return events{sale_returned{command.order_id, sold->second.quantity,
                                  now.time_since_epoch().count()}};
    if (state.ended_orders.contains(command.order_id))
      return events{};
    if (state.reservations.contains(command.order_id))
      return make_failure(errc::wrong_state, "the order's stock is held, "
                                             "not sold");
    // Forgotten (sold longer ago than the SKU remembers): the order's own
    // quantity comes back, at most what is sold.
    if (command.quantity < 1 || command.quantity > state.sold)
      return make_failure(errc::not_found, "the order bought nothing here");
    return events{sale_returned{command.order_id, command.quantity,
                                now.time_since_epoch().count()}};
  }

  expected<events> operator()(const restore_stock& command) const {
    if (state.reservations.contains(command.order_id))
      return events{reservation_released{command.order_id}};
    if (state.confirmed_orders.contains(command.order_id) || command.sold)
      return (*this)(return_sale{command.order_id, command.quantity});
    // Never held, or already ended: nothing to give back.
    return events{};
  }

  expected<events> operator()(const withdraw_sku& command) const {
    if (command.product_id != state.product_id)
      return make_failure(errc::forbidden, "the sku is another product's");
    if (state.withdrawn)
      return events{};
    return events{sku_withdrawn{}};
  }

  expected<events> operator()(const expire_reservations&) const {
    events result;
    auto now_us = now.time_since_epoch().count();
    for (auto& [expires_at_us, order_id] : state.expiries) {
      if (expires_at_us > now_us ||
          result.size() >= expirations_per_command_max)
        break;
      result.emplace_back(reservation_expired{order_id});
    }
    return result;
  }

  expected<events> operator()(const set_aside_stock& command) const {
    if (command.sale_id.empty() || command.sale_id.size() > order_id_size_max)
      return invalid("sale_id must have 1 to 128 bytes");
    if (command.quantity < 1 || command.quantity > stock_quantity_max)
      return invalid("quantity must be between 1 and 1000000000");
    if (auto given = state.set_asides.find(command.sale_id);
        given != state.set_asides.end()) {
      if (given->second.quantity == command.quantity)
        return events{};
      return make_failure(errc::conflict,
                          "the sale already holds another quantity");
    }
    if (state.withdrawn)
      return make_failure(errc::delisted, "the product is delisted");
    if (state.set_asides.size() >= sku_flash_sales_max)
      return make_failure(errc::conflict,
                          "the sku has had 1000 flash sales, its most");
    if (state.available() < command.quantity)
      return make_failure(errc::out_of_stock,
                          std::to_string(state.available()) + " available");
    return events{stock_set_aside{command.sale_id, command.quantity}};
  }

  expected<events> operator()(const take_back_set_aside& command) const {
    auto given = state.set_asides.find(command.sale_id);
    if (given == state.set_asides.end())
      return make_failure(errc::not_found, "no flash sale of this sku");
    if (command.total > given->second.quantity)
      return invalid("a sale gives back at most what it was given");
    if (command.total <= given->second.returned)
      return events{};
    return events{set_aside_returned{command.sale_id,
                                     command.total - given->second.returned,
                                     command.total}};
  }

  expected<events> operator()(const get_sku&) const { return events{}; }
};

void remember_ended(sku_state& state, std::string order_id, int64_t at_us) {
  state.remembered.emplace(at_us, order_id);
  state.ended_orders.emplace(std::move(order_id), at_us);
}

void end_reservation(sku_state& state, const std::string& order_id) {
  auto held = state.reservations.find(order_id);
  assert(held != state.reservations.end());
  state.reserved -= held->second.quantity;
  auto at_us = held->second.expires_at_us;
  state.expiries.erase({at_us, order_id});
  auto node = state.reservations.extract(held);
  remember_ended(state, std::move(node.key()), at_us);
}

/// Forgets the orders remembered from before the memory's horizon.
void forget_old_orders(sku_state& state) {
  auto horizon =
      state.clock_us - std::chrono::microseconds{sku_order_memory}.count();
  while (!state.remembered.empty() &&
         state.remembered.begin()->first < horizon) {
    auto node = state.remembered.extract(state.remembered.begin());
    auto& order_id = node.value().second;
    if (auto sold = state.confirmed_orders.find(order_id);
        sold != state.confirmed_orders.end() &&
        sold->second.at_us == node.value().first)
      state.confirmed_orders.erase(sold);
    else
      state.ended_orders.erase(order_id);
  }
}

void advance_clock(sku_state& state, int64_t at_us) {
  if (at_us <= state.clock_us)
    return;
  state.clock_us = at_us;
  forget_old_orders(state);
}

struct applier {
  sku_state& state;

  void operator()(const sale_returned& event) {
    if (auto sold = state.confirmed_orders.find(event.order_id);
        sold != state.confirmed_orders.end()) {
      state.sold -= sold->second.quantity;
      state.remembered.erase({sold->second.at_us, event.order_id});
      state.confirmed_orders.erase(sold);
    } else {
      state.sold -= event.quantity;
    }
    advance_clock(state, event.at_us);
    remember_ended(state, event.order_id, state.clock_us);
  }
  void operator()(const sku_withdrawn&) { state.withdrawn = true; }
  void operator()(const stock_set_aside& event) {
    state.set_asides[event.sale_id] = sku_set_aside{event.quantity, 0};
    state.set_aside += event.quantity;
  }
  void operator()(const set_aside_returned& event) {
    auto& given = state.set_asides[event.sale_id];
    given.returned = event.total;
    state.set_aside -= event.quantity;
  }
  void operator()(const stock_change_keyed& event) {
    auto retention =
        std::chrono::microseconds{stock_change_key_retention}.count();
    auto& by_time = state.stock_change_keys_by_time;
    while (!by_time.empty() &&
           (by_time.begin()->first < event.at_us - retention ||
            by_time.size() >= stock_change_keys_max)) {
      state.stock_change_keys.erase(by_time.begin()->second);
      by_time.erase(by_time.begin());
    }
    state.stock_change_keys[event.idempotency_key] =
        sku_remembered{event.delta, event.at_us};
    by_time.emplace(event.at_us, event.idempotency_key);
  }

  void operator()(const sku_registered& event) {
    state.registered = true;
    state.product_id = event.product_id;
    state.seller_id = event.seller_id;
    state.price_cents = event.price_cents;
    state.currency = event.currency;
  }
  void operator()(const stock_received& event) {
    state.received += event.quantity;
  }
  void operator()(const stock_removed& event) {
    state.received -= event.quantity;
  }
  void operator()(const price_set& event) {
    state.price_cents = event.price_cents;
    state.currency = event.currency;
  }
  void operator()(const stock_reserved& event) {
    state.reserved += event.quantity;
    // A retry after the order was forgotten holds it afresh.
    if (auto ended = state.ended_orders.find(event.order_id);
        ended != state.ended_orders.end()) {
      state.remembered.erase({ended->second, event.order_id});
      state.ended_orders.erase(ended);
    }
    state.reservations[event.order_id] =
        sku_reservation{event.quantity, event.expires_at_us};
    state.expiries.emplace(event.expires_at_us, event.order_id);
    advance_clock(state, event.expires_at_us);
  }
  void operator()(const reservation_confirmed& event) {
    auto held = state.reservations.find(event.order_id);
    assert(held != state.reservations.end());
    state.reserved -= held->second.quantity;
    state.sold += held->second.quantity;
    state.expiries.erase({held->second.expires_at_us, event.order_id});
    // Moves the order id's node instead of copying the string.
    auto node = state.reservations.extract(held);
    auto at_us = node.mapped().expires_at_us;
    state.remembered.emplace(at_us, node.key());
    state.confirmed_orders.emplace(
        std::move(node.key()), sku_remembered{node.mapped().quantity, at_us});
  }
  void operator()(const reservation_released& event) {
    end_reservation(state, event.order_id);
  }
  void operator()(const reservation_expired& event) {
    end_reservation(state, event.order_id);
  }
  void operator()(const reservation_extended& event) {
    auto held = state.reservations.find(event.order_id);
    assert(held != state.reservations.end());
    state.expiries.erase({held->second.expires_at_us, event.order_id});
    state.expiries.emplace(event.expires_at_us, event.order_id);
    held->second.expires_at_us = event.expires_at_us;
    advance_clock(state, event.expires_at_us);
  }
};

} // namespace

expected<std::vector<sku_event>>
decide(const sku_state& state, const sku_command& command, timestamp now) {
  if (!state.registered && !std::holds_alternative<register_sku>(command))
    return make_failure(errc::not_found, "unknown sku");
  return std::visit(decider{state, now}, command);
}

void apply_event(sku_state& state, const sku_event& event) {
  std::visit(applier{state}, event);
  // The inventory invariant: never oversold, never negative.
  assert(state.reserved >= 0);
  assert(state.sold >= 0);
  assert(state.set_aside >= 0);
  assert(state.sold + state.reserved + state.set_aside <= state.received);
  assert(state.expiries.size() == state.reservations.size());
  assert(state.remembered.size() ==
         state.confirmed_orders.size() + state.ended_orders.size());
  assert(state.stock_change_keys.size() ==
         state.stock_change_keys_by_time.size());
}

sku_view view(const sku_state& state, const sku_command& command) {
  sku_view result{state.product_id,  state.seller_id,
                  state.received,    state.sold,
                  state.reserved,    state.available(),
                  state.set_aside,   state.received - state.sold,
                  state.price_cents, state.currency,
                  state.withdrawn,   std::nullopt};
  auto order_id = std::visit(
      [](const auto& alternative) -> std::string {
        if constexpr (requires { alternative.order_id; })
          return alternative.order_id;
        return {};
      },
      command);
  if (auto held = state.reservations.find(order_id);
      held != state.reservations.end())
    result.reservation_expires_at_us = held->second.expires_at_us;
  return result;
}

std::optional<timestamp> next_deadline(const sku_state& state) {
  if (state.expiries.empty())
    return std::nullopt;
  return timestamp{std::chrono::microseconds{state.expiries.begin()->first}};
}

std::optional<sku_command> sku_entity::on_deadline(const sku_state& state,
                                                   timestamp now) {
  auto due = next_deadline(state);
  if (!due || *due > now)
    return std::nullopt;
  return sku_command{expire_reservations{}};
}

} // namespace tillroll
