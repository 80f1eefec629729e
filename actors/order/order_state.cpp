#include "actors/order/order_state.hpp"

#include "actors/decide_in_turn.hpp"
#include "events/currency.hpp"
#include "events/json_text.hpp"

#include <algorithm>
#include <cassert>

namespace tillroll {

namespace {

using events = std::vector<order_event>;
using outcome = payment_outcome;

int64_t micros(timestamp at) {
  return at.time_since_epoch().count();
}

failure wrong_state(const order_state& state, std::string_view action) {
  return make_failure(errc::wrong_state,
                      std::string{action} + " is not possible in status " +
                          std::string{to_string(state.status)});
}

bool same_lines(const std::vector<order_line>& left,
                const std::vector<order_line>& right) {
  if (left.size() != right.size())
    return false;
  for (size_t index = 0; index < left.size(); ++index)
    // Prices are captured at placement and may have moved since: a retry
    // of the same cart is the same checkout.
    if (left[index].sku != right[index].sku ||
        left[index].quantity != right[index].quantity)
      return false;
  return true;
}

bool shipped_or_later(order_status status) {
  return status == order_status::shipped || status == order_status::delivered;
}

bool sells_in(const order_state& state, const std::string& seller_id) {
  return std::any_of(
      state.placed.lines.begin(), state.placed.lines.end(),
      [&](const order_line& line) { return line.seller_id == seller_id; });
}

/// What a caller asks to do with an order.
enum class order_action : uint8_t { read, cancel, fulfil, refund };

/// Who may do what with an order, written once: the admin anything; the
/// buyer reads and cancels their order; a seller with a line in the
/// order ships and delivers (their own lines only, see lines_in).
expected<void> authorize(const order_state& state, const caller& who,
                         order_action action) {
  if (who.is_admin())
    return {};
  bool allowed = false;
  switch (action) {
  case order_action::read:
    allowed = who.user_id == state.placed.buyer_id;
    break;
  case order_action::cancel:
    allowed = who.is(role::buyer, state.placed.buyer_id);
    break;
  case order_action::fulfil:
    allowed = who.role == role::seller && sells_in(state, who.user_id);
    break;
  case order_action::refund:
    break;
  }
  if (!allowed)
    return make_failure(errc::forbidden, "not your order");
  return {};
}

/// The caller's lines in `from`: a seller's own, every line for the admin.
std::vector<std::string> lines_in(const order_state& state, const caller& who,
                                  order_status from) {
  std::vector<std::string> skus;
  for (auto& line : state.placed.lines) {
    auto status = state.line_status.find(line.sku);
    if ((who.is_admin() || line.seller_id == who.user_id) &&
        status != state.line_status.end() && status->second == from)
      skus.push_back(line.sku);
  }
  return skus;
}

/// Whether every line is at least `least` once `moved` are at `to`.
bool every_line_after(const order_state& state,
                      const std::vector<std::string>& moved, order_status to,
                      bool (*reached)(order_status)) {
  for (auto& line : state.placed.lines) {
    auto status = std::find(moved.begin(), moved.end(), line.sku) != moved.end()
                      ? to
                      : state.line_status.at(line.sku);
    if (!reached(status))
      return false;
  }
  return true;
}

int64_t refunds_pending_cents(const order_state& state) {
  int64_t total = 0;
  for (auto& refund : state.refunds_pending)
    total += refund.amount_cents;
  return total;
}

/// The lines' total, once each line is checked: one line per SKU (its
/// reservation is keyed by the order, so a second line of it would be
/// charged and never taken), a quantity of 1 to 100 and a price.
expected<int64_t> lines_total(const std::vector<order_line>& lines) {
  int64_t total = 0;
  std::set<std::string> skus;
  for (auto& line : lines) {
    if (!skus.insert(line.sku).second)
      return make_failure(errc::invalid_argument,
                          "each sku appears on one line: " + line.sku);
    if (line.sku.empty() || line.quantity < 1 ||
        line.quantity > order_line_quantity_max || line.unit_price_cents < 0)
      return make_failure(errc::invalid_argument,
                          "each line has a sku, a quantity of 1 to 100 "
                          "and a price");
    if (line.unit_price_cents < 1)
      return make_failure(errc::invalid_argument,
                          "each line has a price of at least 1");
    total += line.quantity * line.unit_price_cents;
  }
  return total;
}

struct decider {
  const order_state& state;
  timestamp now;

  order_notification notify(order_status status) const {
    return order_notification{std::string{to_string(status)},
                              state.placed.buyer_id, micros(now)};
  }

  order_refund_requested refund_of(int64_t amount,
                                   std::string idempotency_key = {}) const {
    return order_refund_requested{
        "refund-" + std::to_string(state.refunds_requested + 1), amount,
        std::move(idempotency_key)};
  }

  int64_t refundable_cents() const {
    int64_t parked_cents = 0;
    for (auto& parked : state.refunds_parked)
      parked_cents += parked.amount_cents;
    return state.placed.total_cents - state.refunded_cents -
           refunds_pending_cents(state) - parked_cents;
  }

  expected<events> operator()(const place_order& command) const {
    if (state.status != order_status::none) {
      // A key is kept for its retention; after that it starts anew (the
      // checkout coordinator finds the key's next order id).
      if (micros(now) - state.placed_at_us > command.key_retention.count())
        return make_failure(errc::key_expired,
                            "the checkout key's order is older than the "
                            "key's retention");
      auto& placed = state.placed;
      if (placed.buyer_id == command.buyer_id &&
          placed.payment_token == command.payment_token &&
          same_json_text(placed.shipping_address, command.shipping_address) &&
          same_lines(placed.lines, command.lines) &&
          state.flash_sale.sale_id == command.flash_sale_id &&
          state.flash_sale.ticket == command.flash_sale_ticket)
        return events{};
      return make_failure(errc::idempotency_conflict,
                          "the checkout key was used with another cart or "
                          "payment");
    }
    if (command.buyer_id.empty() || command.checkout_key.empty())
      return make_failure(errc::invalid_argument,
                          "buyer and checkout key are required");
    if (command.lines.empty() || command.lines.size() > order_lines_max)
      return make_failure(errc::invalid_argument,
                          "an order has 1 to 100 lines");
    if (command.payment_token.rfind("tok_", 0) != 0)
      return make_failure(errc::invalid_argument,
                          "payment_token must be a PSP token (tok_...)");
    if (command.shipping_address.size() > shipping_address_size_max)
      return make_failure(errc::invalid_argument,
                          "shipping_address is too large");
    if (!known_currency(command.currency))
      return make_failure(errc::invalid_argument,
                          "currency must be an ISO 4217 code");
    auto total = lines_total(command.lines);
    if (!total)
      return std::move(total).error();
    order_placed placed{command.buyer_id,
                        command.checkout_key,
                        command.lines,
                        command.currency,
                        *total,
                        command.payment_token,
                        command.shipping_address,
                        command.from_cart};
    events result{std::move(placed)};
    if (!command.flash_sale_id.empty()) {
      // A sale's stock steps all go to the one sale, keyed by the order.
      if (command.lines.size() != 1)
        return make_failure(errc::invalid_argument,
                            "a flash sale's checkout has one line, its sku");
      result.emplace_back(order_flash_sale_joined{command.flash_sale_id,
                                                  command.flash_sale_ticket});
    }
    if (command.queue_for)
      result.emplace_back(
          order_queued{micros(now) + command.queue_for->count()});
    result.emplace_back(
        order_notification{"created", command.buyer_id, micros(now)});
    return result;
  }

  expected<events> operator()(const admit_order&) const {
    if (!state.queued_until_us)
      return events{};
    return events{order_dequeued{}};
  }

  expected<events> operator()(const record_reservation& command) const {
    if (state.phase != order_phase::reserving)
      return events{};
    // Every line held: the payment starts in the same append, recorded
    // before anything goes to the PSP.
    if (command.short_skus.empty())
      return events{order_stock_reserved{command.hold_ttl.count()},
                    notify(order_status::payment_pending),
                    order_payment_started{payment_id_of(state)}};
    return events{order_cancelled{command.reason, command.short_skus},
                  notify(order_status::cancelled)};
  }

  expected<events> operator()(const record_payment_started&) const {
    if (state.phase != order_phase::reserved)
      return events{};
    return events{order_payment_started{payment_id_of(state)}};
  }

  expected<events> operator()(const record_hold_lost&) const {
    if (state.phase != order_phase::reserved &&
        state.phase != order_phase::charging)
      return events{};
    return events{order_cancelled{"reservation_expired", {}},
                  notify(order_status::cancelled)};
  }

  expected<events> operator()(const record_payment_outcome& command) const {
    // Taken while charging, or after a cancellation once a charge may
    // have been sent: money that moved is recorded, then given back.
    if (state.psp_reference || state.payment_id.empty())
      return events{};
    auto pending = state.phase == order_phase::charging;
    switch (command.result) {
    case outcome::captured:
      if (pending)
        return events{order_payment_captured{command.psp_reference},
                      notify(order_status::payment_confirmed)};
      // Captured after a cancellation: the money goes back.
      return events{order_payment_captured{command.psp_reference},
                    refund_of(state.placed.total_cents)};
    case outcome::declined:
      if (!pending)
        return events{};
      return events{order_cancelled{"payment_declined", {}},
                    notify(order_status::cancelled)};
    case outcome::failed:
    case outcome::unknown:
    case outcome::pending:
      if (!pending)
        return events{};
      return events{
          order_payment_check_scheduled{micros(now + command.check_after),
                                        command.result != outcome::pending}};
    }
    return events{};
  }

  expected<events> operator()(const record_stock_confirmed& command) const {
    if (state.phase != order_phase::confirming)
      return events{};
    // Sold: an order not made from a cart has no cart to clear, so its
    // fulfillment starts in the same append.
    if (command.lost_skus.empty() && !state.placed.from_cart)
      return events{order_stock_confirmed{}, order_fulfillment_started{},
                    notify(order_status::fulfillment_processing)};
    if (command.lost_skus.empty())
      return events{order_stock_confirmed{}};
    // Paid, but some holds had ended: the order cannot be filled. What
    // was sold goes back, the rest is released, the money refunded.
    std::vector<std::string> sold;
    for (auto& line : state.placed.lines)
      if (std::find(command.lost_skus.begin(), command.lost_skus.end(),
                    line.sku) == command.lost_skus.end())
        sold.push_back(line.sku);
    events result{order_stock_partly_confirmed{std::move(sold)},
                  order_cancelled{"reservation_expired", command.lost_skus},
                  notify(order_status::cancelled)};
    if (auto remaining = refundable_cents(); remaining > 0)
      result.emplace_back(refund_of(remaining));
    return result;
  }

  expected<events> operator()(const record_sale& command) const {
    return decide_in_turn<decider>(
        state, now,
        record_payment_outcome{outcome::captured, command.psp_reference},
        record_stock_confirmed{command.lost_skus});
  }

  expected<events> operator()(const record_stock_restored&) const {
    if (state.phase != order_phase::restoring)
      return events{};
    // Lines not sold were held (or reservation attempts may have held
    // them): released; the lines that became sales: returned.
    events result;
    if (state.sold_skus.size() < state.placed.lines.size())
      result.emplace_back(order_stock_released{});
    if (!state.sold_skus.empty())
      result.emplace_back(order_stock_returned{});
    return result;
  }

  expected<events> operator()(const record_refund_refused& command) const {
    if (state.refunds_pending.empty() ||
        state.refunds_pending.front().refund_id != command.refund_id)
      return events{};
    auto attempts = state.refund_attempts + 1;
    if (attempts >= refund_attempts_max)
      return events{order_refund_parked{command.refund_id, command.reason}};
    auto delay = std::chrono::microseconds{refund_retry_delay_first} *
                 (int64_t{1} << std::min<uint32_t>(attempts - 1, 20));
    delay = std::min<std::chrono::microseconds>(delay, refund_retry_delay_max);
    return events{order_refund_retry_scheduled{
        command.refund_id, command.reason, attempts, micros(now + delay)}};
  }

  expected<events> operator()(const retry_refund&) const {
    if (!state.refund_retry_at_us || *state.refund_retry_at_us > micros(now) ||
        state.refunds_pending.empty())
      return events{};
    return events{order_refund_retry_scheduled{
        state.refunds_pending.front().refund_id, state.refund_failure,
        state.refund_attempts, 0}};
  }

  expected<events> operator()(const unpark_refunds& command) const {
    if (auto allowed = authorize(state, command.who, order_action::refund);
        !allowed)
      return std::move(allowed).error();
    if (state.refunds_parked.empty())
      return make_failure(errc::wrong_state, "no refund of the order is "
                                             "parked");
    return events{order_refunds_unparked{}};
  }

  expected<events> operator()(const record_refund_done& command) const {
    for (auto& refund : state.refunds_pending)
      if (refund.refund_id == command.refund_id) {
        events result{order_refunded{refund.refund_id, refund.amount_cents}};
        bool whole = state.refunded_cents + refund.amount_cents ==
                     state.placed.total_cents;
        // Refunded in full before fulfilment began: nothing of it will
        // ship, so it is cancelled and its stock comes back; otherwise the
        // units stay sold (or held) to an order that never moves again.
        if (whole && state.status == order_status::payment_confirmed) {
          result.emplace_back(order_cancelled{"refunded", {}});
          result.emplace_back(notify(order_status::cancelled));
        } else if (whole && state.status != order_status::cancelled) {
          result.emplace_back(notify(order_status::refunded));
        }
        return result;
      }
    return events{};
  }

  expected<events> operator()(const begin_fulfillment&) const {
    if (state.phase != order_phase::sold)
      return events{};
    return events{order_fulfillment_started{},
                  notify(order_status::fulfillment_processing)};
  }

  expected<events> operator()(const check_payment&) const {
    if (state.phase != order_phase::charging || !state.payment_check_at_us ||
        *state.payment_check_at_us > micros(now))
      return events{};
    return events{order_payment_check_scheduled{0, false}};
  }

  expected<events> operator()(const cancel_order& command) const {
    if (auto allowed = authorize(state, command.who, order_action::cancel);
        !allowed)
      return std::move(allowed).error();
    switch (state.phase) {
    case order_phase::reserving:
    case order_phase::reserved:
      return events{order_cancelled{"requested", {}},
                    notify(order_status::cancelled)};
    case order_phase::charging:
      return make_failure(errc::conflict,
                          "the payment is in progress; retry shortly");
    case order_phase::confirming:
    case order_phase::sold:
    case order_phase::fulfilling: {
      if (state.status != order_status::payment_confirmed &&
          state.status != order_status::fulfillment_processing)
        return wrong_state(state, "cancel");
      for (auto& [sku, status] : state.line_status)
        if (shipped_or_later(status))
          return make_failure(errc::wrong_state,
                              "some lines of the order have shipped");
      events result{order_cancelled{"requested", {}},
                    notify(order_status::cancelled)};
      if (auto remaining = refundable_cents(); remaining > 0)
        result.emplace_back(refund_of(remaining));
      return result;
    }
    default:
      return wrong_state(state, "cancel");
    }
  }

  // Each line moves on its own; the order is shipped once every line is,
  // delivered once every line is.
  expected<events> operator()(const ship_order& command) const {
    if (auto allowed = authorize(state, command.who, order_action::fulfil);
        !allowed)
      return std::move(allowed).error();
    if (state.status != order_status::fulfillment_processing)
      return wrong_state(state, "ship");
    auto skus =
        lines_in(state, command.who, order_status::fulfillment_processing);
    if (skus.empty())
      return make_failure(errc::wrong_state, "no line to ship is left");
    bool all =
        every_line_after(state, skus, order_status::shipped, shipped_or_later);
    events result{order_lines_shipped{std::move(skus)}};
    if (all) {
      result.emplace_back(order_shipped{});
      result.emplace_back(notify(order_status::shipped));
    }
    return result;
  }

  expected<events> operator()(const deliver_order& command) const {
    if (auto allowed = authorize(state, command.who, order_action::fulfil);
        !allowed)
      return std::move(allowed).error();
    if (state.status != order_status::fulfillment_processing &&
        state.status != order_status::shipped)
      return wrong_state(state, "deliver");
    auto skus = lines_in(state, command.who, order_status::shipped);
    if (skus.empty())
      return make_failure(errc::wrong_state, "no shipped line to deliver");
    bool all = every_line_after(
        state, skus, order_status::delivered,
        [](order_status status) { return status == order_status::delivered; });
    events result{order_lines_delivered{std::move(skus)}};
    if (all) {
      result.emplace_back(order_delivered{});
      result.emplace_back(notify(order_status::delivered));
    }
    return result;
  }

  expected<events> operator()(const refund_order& command) const {
    if (auto allowed = authorize(state, command.who, order_action::refund);
        !allowed)
      return std::move(allowed).error();
    auto& key = command.idempotency_key;
    if (key.size() > refund_key_size_max)
      return make_failure(errc::invalid_argument,
                          "Idempotency-Key has at most 64 bytes");
    if (auto seen = state.refund_keys.find(key);
        !key.empty() && seen != state.refund_keys.end()) {
      if (command.amount_cents.value_or(seen->second.amount_cents) ==
          seen->second.amount_cents)
        return events{};
      return make_failure(errc::idempotency_conflict,
                          "the Idempotency-Key was used with another amount");
    }
    if (!state.psp_reference)
      return wrong_state(state, "refund");
    if (state.refunds_requested >= order_refunds_max)
      return make_failure(errc::conflict, "an order takes at most 100 refunds");
    auto remaining = refundable_cents();
    if (remaining <= 0)
      return make_failure(errc::wrong_state,
                          "nothing of the order is left to refund");
    auto amount = command.amount_cents.value_or(remaining);
    if (amount <= 0 || amount > remaining)
      return make_failure(errc::invalid_argument,
                          "amount_cents must be between 1 and " +
                              std::to_string(remaining));
    return events{refund_of(amount, key)};
  }

  expected<events> operator()(const get_order& command) const {
    if (auto allowed = authorize(state, command.who, order_action::read);
        !allowed)
      return std::move(allowed).error();
    return events{};
  }
};

struct applier {
  order_state& state;

  void operator()(const order_placed& event) {
    state.status = order_status::created;
    state.phase = order_phase::reserving;
    state.placed = event;
  }
  void operator()(const order_flash_sale_joined& event) {
    state.flash_sale = event;
  }
  void operator()(const order_queued& event) {
    state.queued_until_us = event.until_us;
  }
  void operator()(const order_dequeued&) { state.queued_until_us.reset(); }
  void operator()(const order_stock_reserved& event) {
    state.status = order_status::payment_pending;
    state.phase = order_phase::reserved;
    state.hold_ttl_us = event.hold_ttl_us;
  }
  void operator()(const order_cancelled& event) {
    // Reservation attempts may have held some lines even when others were
    // short; releasing is idempotent, so whatever is not sold is released.
    state.phase = order_phase::restoring;
    state.status = order_status::cancelled;
    state.cancel_reason = event.reason;
    state.short_skus = event.short_skus;
    state.payment_check_at_us.reset();
    state.queued_until_us.reset();
  }
  void operator()(const order_payment_started& event) {
    state.phase = order_phase::charging;
    state.payment_id = event.payment_id;
  }
  void operator()(const order_payment_captured& event) {
    state.psp_reference = event.psp_reference;
    state.payment_check_at_us.reset();
    if (state.phase == order_phase::charging) {
      state.status = order_status::payment_confirmed;
      state.phase = order_phase::confirming;
    }
  }
  void operator()(const order_payment_check_scheduled& event) {
    if (event.check_at_us == 0)
      state.payment_check_at_us.reset();
    else
      state.payment_check_at_us = event.check_at_us;
  }
  void operator()(const order_stock_confirmed&) {
    state.phase = order_phase::sold;
    for (auto& line : state.placed.lines)
      state.sold_skus.insert(line.sku);
  }
  void operator()(const order_stock_released&) {
    // A return, if one is owed, follows in the same append.
    if (state.phase == order_phase::restoring && state.sold_skus.empty())
      state.phase = order_phase::closed;
  }
  void operator()(const order_stock_returned&) {
    state.sold_skus.clear();
    if (state.phase == order_phase::restoring)
      state.phase = order_phase::closed;
  }
  void operator()(const order_stock_partly_confirmed& event) {
    state.sold_skus.insert(event.sold_skus.begin(), event.sold_skus.end());
  }
  void operator()(const order_fulfillment_started&) {
    state.status = order_status::fulfillment_processing;
    state.phase = order_phase::fulfilling;
    for (auto& line : state.placed.lines)
      state.line_status[line.sku] = order_status::fulfillment_processing;
  }
  void operator()(const order_lines_shipped& event) {
    for (auto& sku : event.skus)
      state.line_status[sku] = order_status::shipped;
  }
  void operator()(const order_lines_delivered& event) {
    for (auto& sku : event.skus)
      state.line_status[sku] = order_status::delivered;
  }
  // Before per-line fulfilment an order shipped and was delivered whole.
  void operator()(const order_shipped&) {
    state.status = order_status::shipped;
    for (auto& [sku, status] : state.line_status)
      if (!shipped_or_later(status))
        status = order_status::shipped;
  }
  void operator()(const order_delivered&) {
    state.status = order_status::delivered;
    for (auto& [sku, status] : state.line_status)
      status = order_status::delivered;
  }
  void operator()(const order_refund_requested& event) {
    state.refunds_pending.push_back(event);
    ++state.refunds_requested;
    if (!event.idempotency_key.empty())
      state.refund_keys[event.idempotency_key] = event;
  }
  void operator()(const order_refund_retry_scheduled& event) {
    state.refund_attempts = event.attempts;
    state.refund_failure = event.reason;
    if (event.retry_at_us == 0)
      state.refund_retry_at_us.reset();
    else
      state.refund_retry_at_us = event.retry_at_us;
  }
  void operator()(const order_refund_parked& event) {
    auto parked =
        std::find_if(state.refunds_pending.begin(), state.refunds_pending.end(),
                     [&](const auto& refund) {
                       return refund.refund_id == event.refund_id;
                     });
    assert(parked != state.refunds_pending.end());
    state.refunds_parked.push_back(*parked);
    state.refunds_pending.erase(parked);
    state.refund_attempts = 0;
    state.refund_retry_at_us.reset();
    state.refund_failure = event.reason;
  }
  void operator()(const order_refunds_unparked&) {
    for (auto& refund : state.refunds_parked)
      state.refunds_pending.push_back(refund);
    state.refunds_parked.clear();
    state.refund_attempts = 0;
    state.refund_retry_at_us.reset();
  }
  void operator()(const order_refunded& event) {
    state.refund_attempts = 0;
    state.refund_retry_at_us.reset();
    state.refund_failure.clear();
    state.refunded_cents += event.amount_cents;
    std::erase_if(state.refunds_pending, [&](const auto& refund) {
      return refund.refund_id == event.refund_id;
    });
    if (state.status != order_status::cancelled &&
        state.refunded_cents == state.placed.total_cents)
      state.status = order_status::refunded;
  }
  void operator()(const order_notification& event) {
    if (state.placed_at_us == 0)
      state.placed_at_us = event.at_us;
    state.history.push_back({state.status, event.at_us});
  }
};

} // namespace

std::string_view to_string(order_status status) noexcept {
  switch (status) {
  case order_status::none:
    return "none";
  case order_status::created:
    return "created";
  case order_status::payment_pending:
    return "payment_pending";
  case order_status::payment_confirmed:
    return "payment_confirmed";
  case order_status::fulfillment_processing:
    return "fulfillment_processing";
  case order_status::shipped:
    return "shipped";
  case order_status::delivered:
    return "delivered";
  case order_status::cancelled:
    return "cancelled";
  case order_status::refunded:
    return "refunded";
  }
  return "none";
}

std::string_view to_string(order_phase phase) noexcept {
  switch (phase) {
  case order_phase::none:
    return "none";
  case order_phase::reserving:
    return "reserving";
  case order_phase::reserved:
    return "reserved";
  case order_phase::charging:
    return "charging";
  case order_phase::confirming:
    return "confirming";
  case order_phase::sold:
    return "sold";
  case order_phase::fulfilling:
    return "fulfilling";
  case order_phase::restoring:
    return "restoring";
  case order_phase::closed:
    return "closed";
  }
  return "none";
}

std::string order_id_for(std::string_view buyer_id, std::string_view key) {
  std::string id{buyer_id};
  id.push_back('-');
  id.append(key);
  return id;
}

std::string payment_id_of(const order_state& state) {
  return order_id_for(state.placed.buyer_id, state.placed.checkout_key);
}

order_command payment_answered(payment_outcome answer,
                               std::string psp_reference, bool holds_live,
                               std::chrono::microseconds check_after) {
  if (!holds_live && answer != payment_outcome::captured &&
      answer != payment_outcome::declined && answer != payment_outcome::pending)
    return record_hold_lost{};
  return record_payment_outcome{answer, std::move(psp_reference), check_after};
}

bool captured_into_sale(const order_state& state, payment_outcome answer,
                        bool holds_live) {
  // While charging, nothing is captured yet: a capture ends the phase.
  return answer == payment_outcome::captured && holds_live &&
         state.phase == order_phase::charging;
}

order_command refund_answered(const order_refund_requested& refund,
                              payment_outcome answer, std::string reason) {
  // Refused: tried again later, backing off, then parked.
  if (answer != payment_outcome::captured)
    return record_refund_refused{refund.refund_id, std::move(reason)};
  return record_refund_done{refund.refund_id};
}

expected<std::vector<order_event>>
decide(const order_state& state, const order_command& command, timestamp now) {
  if (state.status == order_status::none &&
      !std::holds_alternative<place_order>(command))
    return make_failure(errc::not_found, "no such order");
  return std::visit(decider{state, now}, command);
}

void apply_event(order_state& state, const order_event& event) {
  std::visit(applier{state}, event);
  assert(state.refunded_cents >= 0);
  assert(state.refunded_cents <= state.placed.total_cents);
  // Only confirmed lines are sales, and only while the saga has them.
  assert(state.sold_skus.empty() || state.phase == order_phase::sold ||
         state.phase == order_phase::fulfilling ||
         state.phase == order_phase::restoring ||
         // A partial confirmation precedes its cancellation in one append.
         state.phase == order_phase::confirming);
  assert(state.sold_skus.size() <= state.placed.lines.size());
  assert((state.phase == order_phase::none) ==
         (state.status == order_status::none));
}

bool line_sold(const order_state& state, const std::string& sku) {
  return state.sold_skus.contains(sku);
}

bool holds_outlast_charge(const order_state& state, timestamp now) {
  // A clock that went back since placement says nothing of the time gone.
  auto gone = micros(now) - state.placed_at_us;
  return state.hold_ttl_us > 0 && gone >= 0 && gone < state.hold_ttl_us / 2;
}

std::optional<order_step> next_step(const order_state& state, timestamp now) {
  // A queued order waits its turn.
  if (state.queued_until_us)
    return std::nullopt;
  // Stock first: a refund the PSP refuses must not keep units away.
  if (state.phase == order_phase::restoring)
    return restore_lines{};
  if (!state.refunds_pending.empty() && state.psp_reference &&
      !state.refund_retry_at_us)
    return refund_payment{state.refunds_pending.front()};
  switch (state.phase) {
  case order_phase::reserving:
    return reserve_lines{};
  case order_phase::reserved:
    return start_payment{};
  case order_phase::charging:
    if (!state.payment_check_at_us)
      return charge_payment{!holds_outlast_charge(state, now)};
    return std::nullopt;
  case order_phase::confirming:
    return confirm_lines{};
  case order_phase::sold:
    return start_fulfillment{};
  case order_phase::none:
  case order_phase::fulfilling:
  case order_phase::restoring:
  case order_phase::closed:
    return std::nullopt;
  }
  return std::nullopt;
}

bool checkout_settled(const order_state& state) {
  // Paid and its stock sold, or cancelled with nothing held any more.
  switch (state.phase) {
  case order_phase::fulfilling:
  case order_phase::closed:
    return true;
  case order_phase::restoring:
    return state.sold_skus.size() == state.placed.lines.size();
  default:
    return false;
  }
}

order_view order_entity::reply(const order_state& state, const order_command&) {
  auto& placed = state.placed;
  return order_view{"",
                    state.status,
                    placed.buyer_id,
                    placed.lines,
                    placed.currency,
                    placed.total_cents,
                    state.refunded_cents,
                    state.history,
                    state.cancel_reason,
                    state.short_skus,
                    state.line_status,
                    state.refunds_pending,
                    state.refunds_parked,
                    state.refund_failure};
}

std::optional<timestamp> order_entity::next_deadline(const order_state& state) {
  std::optional<int64_t> at_us = state.payment_check_at_us;
  if (state.queued_until_us && (!at_us || *state.queued_until_us < *at_us))
    at_us = state.queued_until_us;
  if (state.refund_retry_at_us &&
      (!at_us || *state.refund_retry_at_us < *at_us))
    at_us = state.refund_retry_at_us;
  if (!at_us)
    return std::nullopt;
  return timestamp{std::chrono::microseconds{*at_us}};
}

std::optional<order_command> order_entity::on_deadline(const order_state& state,
                                                       timestamp now) {
  if (state.queued_until_us && *state.queued_until_us <= micros(now))
    return order_command{admit_order{}};
  if (state.payment_check_at_us && *state.payment_check_at_us <= micros(now))
    return order_command{check_payment{}};
  if (state.refund_retry_at_us && *state.refund_retry_at_us <= micros(now))
    return order_command{retry_refund{}};
  return std::nullopt;
}

} // namespace tillroll
