#include "actors/sku/sku_state.hpp"

#include <algorithm>
#include <cassert>

namespace tillroll {

namespace {

using events = std::vector<sku_event>;

failure invalid(std::string message) {
  return make_failure(errc::invalid_argument, std::move(message));
}

bool valid_currency(const std::string& currency) {
  return currency.size() == 3 &&
         std::all_of(currency.begin(), currency.end(),
                     [](char c) { return c >= 'A' && c <= 'Z'; });
}

expected<void> check_price(int64_t price_cents, const std::string& currency) {
  if (price_cents < 0 || price_cents > price_cents_max)
    return invalid("price_cents must be between 0 and 10000000000");
  if (!valid_currency(currency))
    return invalid("currency must be an ISO 4217 code such as USD");
  return {};
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
    if (command.delta == 0 || command.delta > stock_quantity_max ||
        command.delta < -stock_quantity_max)
      return invalid("delta must be non-zero and at most 1000000000 in size");
    if (command.delta > 0) {
      if (state.received + command.delta > stock_quantity_max)
        return invalid("stock would exceed 1000000000");
      return events{stock_received{command.delta}};
    }
    if (state.available() + command.delta < 0)
      return make_failure(errc::conflict,
                          "removing " + std::to_string(-command.delta) +
                              " would go below what is sold and reserved; " +
                              std::to_string(state.available()) +
                              " can be removed");
    return events{stock_removed{-command.delta}};
  }

  expected<events> operator()(const set_price& command) const {
    if (auto ok = check_price(command.price_cents, command.currency); !ok)
      return std::move(ok).error();
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
    if (command.ttl <= std::chrono::microseconds::zero())
      return invalid("a reservation needs a positive ttl");
    if (auto held = state.reservations.find(command.order_id);
        held != state.reservations.end()) {
      if (held->second.quantity == command.quantity)
        return events{};
      return make_failure(errc::conflict,
                          "order already holds another quantity");
    }
    if (auto sold = state.confirmed_orders.find(command.order_id);
        sold != state.confirmed_orders.end()) {
      if (sold->second == command.quantity)
        return events{};
      return make_failure(errc::conflict, "order already bought another "
                                          "quantity");
    }
    if (state.ended_orders.contains(command.order_id))
      return make_failure(errc::wrong_state,
                          "the order's reservation has ended");
    if (state.available() < command.quantity)
      return make_failure(errc::out_of_stock,
                          std::to_string(state.available()) + " available");
    return events{stock_reserved{command.order_id, command.quantity,
                                 expiry(now, command.ttl)}};
  }

  expected<events> operator()(const confirm_reservation& command) const {
    if (state.confirmed_orders.contains(command.order_id))
      return events{};
    if (state.reservations.contains(command.order_id))
      return events{reservation_confirmed{command.order_id}};
    if (state.ended_orders.contains(command.order_id))
      return make_failure(errc::wrong_state,
                          "the order's reservation has ended");
    return make_failure(errc::not_found, "the order holds no reservation");
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
    auto held = state.reservations.find(command.order_id);
    if (held == state.reservations.end())
      return make_failure(errc::wrong_state, "the order holds no reservation");
    if (command.ttl <= std::chrono::microseconds::zero())
      return invalid("an extension needs a positive ttl");
    auto until = expiry(now, command.ttl);
    if (until <= held->second.expires_at_us)
      return events{};
    return events{reservation_extended{command.order_id, until}};
  }

  expected<events> operator()(const return_sale& command) const {
    auto sold = state.confirmed_orders.find(command.order_id);
    if (sold != state.confirmed_orders.end())
      return events{sale_returned{command.order_id, sold->second}};
    if (state.ended_orders.contains(command.order_id))
      return events{};
    return make_failure(errc::not_found, "the order bought nothing here");
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

  expected<events> operator()(const get_sku&) const { return events{}; }
};

void end_reservation(sku_state& state, const std::string& order_id) {
  auto held = state.reservations.find(order_id);
  assert(held != state.reservations.end());
  state.reserved -= held->second.quantity;
  state.expiries.erase({held->second.expires_at_us, order_id});
  auto node = state.reservations.extract(held);
  state.ended_orders.insert(std::move(node.key()));
}

struct applier {
  sku_state& state;

  void operator()(const sale_returned& event) {
    auto sold = state.confirmed_orders.find(event.order_id);
    assert(sold != state.confirmed_orders.end());
    state.sold -= sold->second;
    auto node = state.confirmed_orders.extract(sold);
    state.ended_orders.insert(std::move(node.key()));
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
    state.reservations[event.order_id] =
        sku_reservation{event.quantity, event.expires_at_us};
    state.expiries.emplace(event.expires_at_us, event.order_id);
  }
  void operator()(const reservation_confirmed& event) {
    auto held = state.reservations.find(event.order_id);
    assert(held != state.reservations.end());
    state.reserved -= held->second.quantity;
    state.sold += held->second.quantity;
    state.expiries.erase({held->second.expires_at_us, event.order_id});
    // Moves the order id's node instead of copying the string.
    auto node = state.reservations.extract(held);
    state.confirmed_orders.emplace(std::move(node.key()),
                                   node.mapped().quantity);
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
  assert(state.sold + state.reserved <= state.received);
  assert(state.expiries.size() == state.reservations.size());
}

sku_view view(const sku_state& state, const sku_command& command) {
  sku_view result{state.product_id,  state.seller_id, state.received,
                  state.sold,        state.reserved,  state.available(),
                  state.price_cents, state.currency,  std::nullopt};
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
