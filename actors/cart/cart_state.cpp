#include "actors/cart/cart_state.hpp"

#include <algorithm>
#include <cassert>

namespace tillroll {

namespace {

using events = std::vector<cart_event>;

int64_t expiry(timestamp now, std::chrono::microseconds ttl) {
  return (now + ttl).time_since_epoch().count();
}

expected<void> check_ttl(std::chrono::microseconds ttl) {
  if (ttl <= std::chrono::microseconds::zero())
    return make_failure(errc::invalid_argument, "a cart needs a positive ttl");
  return {};
}

struct decider {
  const cart_state& state;
  timestamp now;

  expected<events> operator()(const set_cart_item& command) const {
    if (command.sku.empty() || command.sku.size() > sku_size_max)
      return make_failure(errc::invalid_argument,
                          "sku must have 1 to 128 bytes");
    if (command.quantity < 0 || command.quantity > cart_line_quantity_max)
      return make_failure(errc::invalid_argument,
                          "quantity must be between 0 and 100");
    if (auto ok = check_ttl(command.ttl); !ok)
      return std::move(ok).error();
    auto existing = state.lines.find(command.sku);
    if (command.quantity == 0) {
      if (existing == state.lines.end())
        return events{};
      return events{cart_item_removed{command.sku, expiry(now, command.ttl)}};
    }
    if (existing == state.lines.end() && state.lines.size() >= cart_lines_max)
      return make_failure(errc::invalid_argument,
                          "a cart holds at most 100 lines");
    return events{cart_item_set{command.sku, command.product_id,
                                command.quantity, expiry(now, command.ttl)}};
  }

  expected<events> operator()(const remove_cart_item& command) const {
    if (auto ok = check_ttl(command.ttl); !ok)
      return std::move(ok).error();
    if (!state.lines.contains(command.sku))
      return make_failure(errc::not_found, "the cart has no such line");
    return events{cart_item_removed{command.sku, expiry(now, command.ttl)}};
  }

  expected<events> operator()(const clear_cart& command) const {
    if (command.order_id.empty() ||
        std::find(state.cleared_by.begin(), state.cleared_by.end(),
                  command.order_id) != state.cleared_by.end())
      return events{};
    return events{cart_cleared{command.order_id, command.bought, false}};
  }

  expected<events> operator()(const expire_cart&) const {
    if (state.lines.empty() ||
        state.expires_at_us > now.time_since_epoch().count())
      return events{};
    return events{cart_expired{}};
  }

  expected<events> operator()(const get_cart&) const { return events{}; }
};

struct applier {
  cart_state& state;
  void operator()(const cart_item_set& event) {
    state.lines[event.sku] = cart_line{event.product_id, event.quantity};
    state.expires_at_us = event.expires_at_us;
  }
  void operator()(const cart_item_removed& event) {
    state.lines.erase(event.sku);
    state.expires_at_us = event.expires_at_us;
  }
  void operator()(const cart_cleared& event) {
    if (event.whole)
      state.lines.clear();
    // Lines added or raised after the checkout began keep the rest.
    for (auto& bought : event.bought)
      if (auto line = state.lines.find(bought.sku); line != state.lines.end()) {
        line->second.quantity -= bought.quantity;
        if (line->second.quantity <= 0)
          state.lines.erase(line);
      }
    state.cleared_by.push_back(event.order_id);
    if (state.cleared_by.size() > cart_cleared_orders_max)
      state.cleared_by.pop_front();
  }
  void operator()(const cart_expired&) { state.lines.clear(); }
};

} // namespace

expected<std::vector<cart_event>>
decide(const cart_state& state, const cart_command& command, timestamp now) {
  return std::visit(decider{state, now}, command);
}

void apply_event(cart_state& state, const cart_event& event) {
  std::visit(applier{state}, event);
  assert(state.lines.size() <= cart_lines_max);
  assert(state.cleared_by.size() <= cart_cleared_orders_max);
}

priced_cart price_cart(const cart_view& cart,
                       const std::vector<expected<sku_view>>& skus) {
  assert(skus.size() == cart.lines.size());
  priced_cart priced;
  priced.expires_at_us = cart.expires_at_us;
  for (size_t index = 0; index < cart.lines.size(); ++index) {
    if (!skus[index])
      continue;
    auto& line = cart.lines[index];
    auto& sku = *skus[index];
    priced.lines.push_back({line.sku, line.product_id, line.quantity,
                            sku.price_cents, sku.price_cents * line.quantity});
    priced.subtotal_cents += sku.price_cents * line.quantity;
    priced.currency = sku.currency;
  }
  return priced;
}

expected<set_cart_item> cart_item_change(const std::string& sku_id,
                                         int64_t quantity,
                                         const sku_view& sku) {
  if (sku.withdrawn && quantity > 0)
    return make_failure(errc::delisted,
                        "sku " + sku_id +
                            " is no longer sold: its product is delisted");
  return set_cart_item{sku_id, sku.product_id, quantity};
}

expected<void> same_cart_currency(const std::string& sku_id,
                                  const std::string& currency,
                                  const std::string& held_currency) {
  if (held_currency != currency)
    return make_failure(errc::currency_mismatch,
                        "the cart holds " + held_currency + "; " + sku_id +
                            " is sold in " + currency);
  return {};
}

clear_cart clear_cart_of(std::string order_id,
                         const std::vector<order_line>& lines) {
  clear_cart clearing{std::move(order_id), {}};
  for (auto& line : lines)
    clearing.bought.push_back({line.sku, line.quantity});
  return clearing;
}

cart_view cart_entity::reply(const cart_state& state, const cart_command&) {
  cart_view view;
  view.expires_at_us = state.expires_at_us;
  for (auto& [sku, line] : state.lines)
    view.lines.push_back({sku, line.product_id, line.quantity});
  return view;
}

std::optional<timestamp> cart_entity::next_deadline(const cart_state& state) {
  if (state.lines.empty())
    return std::nullopt;
  return timestamp{std::chrono::microseconds{state.expires_at_us}};
}

std::optional<cart_command> cart_entity::on_deadline(const cart_state& state,
                                                     timestamp now) {
  if (state.lines.empty() ||
      state.expires_at_us > now.time_since_epoch().count())
    return std::nullopt;
  return cart_command{expire_cart{}};
}

} // namespace tillroll
