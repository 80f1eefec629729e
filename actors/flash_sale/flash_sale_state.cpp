#include "actors/flash_sale/flash_sale_state.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <sodium.h>

namespace tillroll {

std::string_view to_string(sale_status status) noexcept {
  switch (status) {
  case sale_status::none:
    return "none";
  case sale_status::allocating:
    return "allocating";
  case sale_status::refused:
    return "refused";
  case sale_status::scheduled:
    return "scheduled";
  case sale_status::open:
    return "open";
  case sale_status::sold_out:
    return "sold_out";
  case sale_status::ended:
    return "ended";
  }
  return "none";
}

std::string_view to_string(ticket_status status) noexcept {
  switch (status) {
  case ticket_status::waiting:
    return "waiting";
  case ticket_status::admitted:
    return "admitted";
  case ticket_status::expired:
    return "expired";
  case ticket_status::sold_out:
    return "sold_out";
  }
  return "waiting";
}

namespace {

using events = std::vector<flash_sale_event>;
constexpr int64_t micros_per_second = 1'000'000;
/// The hex digits of a ticket's mac: its first 16 bytes.
constexpr size_t ticket_mac_bytes = 16;

std::string hex_of(const unsigned char* bytes, size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, size);
  out.pop_back();
  return out;
}

/// The 32 bytes a 64-digit hex text stands for; none for any other text.
std::optional<std::array<unsigned char, 32>> bytes_of(const std::string& hex) {
  std::array<unsigned char, 32> out{};
  size_t size = 0;
  if (hex.size() != 64 ||
      sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr,
                     &size, nullptr) != 0 ||
      size != out.size())
    return std::nullopt;
  return out;
}

std::string sha256_hex(const unsigned char* bytes, size_t size) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), bytes, size);
  return hex_of(digest.data(), digest.size());
}

failure invalid(std::string message) {
  return make_failure(errc::invalid_argument, std::move(message));
}

bool visible(const flash_sale_state& state) {
  return state.status != sale_status::none &&
         state.status != sale_status::allocating &&
         state.status != sale_status::refused;
}

/// The ticket's number if `text` is a ticket the sale issued; forged,
/// malformed or another sale's tickets are none.
std::optional<uint32_t> ticket_number(const flash_sale_state& state,
                                      const std::string& text) {
  auto dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot > 9 ||
      text.size() != dot + 1 + ticket_mac_bytes * 2)
    return std::nullopt;
  uint64_t number = 0;
  for (size_t index = 0; index < dot; ++index) {
    if (text[index] < '0' || text[index] > '9')
      return std::nullopt;
    number = number * 10 + static_cast<uint64_t>(text[index] - '0');
  }
  if (number >= state.tickets.size() ||
      std::to_string(number) != text.substr(0, dot))
    return std::nullopt;
  auto expected_text = ticket_text(state.terms, state.tickets[number].buyer_id,
                                   static_cast<uint32_t>(number));
  if (sodium_memcmp(expected_text.data(), text.data(), text.size()) != 0)
    return std::nullopt;
  return static_cast<uint32_t>(number);
}

struct decider {
  const flash_sale_state& state;
  timestamp now;

  int64_t now_us() const { return now.time_since_epoch().count(); }

  expected<void> check_terms(const flash_sale_created& terms) const {
    if (terms.quantity < 1 || terms.quantity > flash_sale_quantity_max)
      return invalid("quantity must be between 1 and 1000000");
    if (terms.price_cents < 1 || terms.price_cents > price_cents_max)
      return invalid("price_cents must be between 1 and 10000000000");
    if (terms.per_user_limit < 1 ||
        terms.per_user_limit > flash_sale_per_user_limit_max)
      return invalid("per_user_limit must be between 1 and 100");
    if (terms.admit_per_second < 1 ||
        terms.admit_per_second > flash_sale_admit_per_second_max)
      return invalid("admit_per_second must be between 1 and 10000");
    if (terms.admission_ttl_s < admission_ttl_min_s ||
        terms.admission_ttl_s > admission_ttl_max_s)
      return invalid("admission_ttl_s must be between 10 and 3600");
    if (terms.ends_at_us <= terms.starts_at_us)
      return invalid("ends_at must be after starts_at");
    if (terms.ends_at_us <= now_us())
      return invalid("ends_at must be in the future");
    auto duration = std::chrono::microseconds{flash_sale_duration_max}.count();
    auto lead = std::chrono::microseconds{flash_sale_lead_max}.count();
    if (terms.ends_at_us - terms.starts_at_us > duration)
      return invalid("a sale runs for at most 30 days");
    if (terms.starts_at_us - now_us() > lead)
      return invalid("starts_at is at most a year ahead");
    if (!bytes_of(terms.shuffle_seed) || !bytes_of(terms.ticket_key))
      return invalid("the seed and the ticket key are 32 bytes in hex");
    return {};
  }

  expected<events> operator()(const get_sale&) const {
    if (!visible(state))
      return make_failure(errc::not_found, "unknown flash sale");
    return events{};
  }

  expected<events> operator()(const create_sale& command) const {
    if (!command.who.is_admin())
      return make_failure(errc::forbidden, "only an admin creates a sale");
    if (state.status != sale_status::none)
      return make_failure(errc::conflict, "the sale exists");
    if (auto ok = check_terms(command.terms); !ok)
      return std::move(ok).error();
    if (command.terms.sale_id.empty())
      return invalid("a sale id is required");
    auto created = command.terms;
    auto seed = *bytes_of(created.shuffle_seed);
    created.shuffle_commitment = sha256_hex(seed.data(), seed.size());
    created.created_by = command.who.user_id;
    return events{std::move(created)};
  }

  expected<events> operator()(const record_allocation& command) const {
    if (state.status != sale_status::allocating)
      return events{};
    if (command.sku)
      return events{flash_sale_allocated{command.sku->product_id,
                                         command.sku->seller_id,
                                         command.sku->currency}};
    return events{flash_sale_refused{
        std::string{to_string(command.refusal.code)}, command.refusal.message}};
  }

  expected<void> check_open_for_tickets() const {
    if (!visible(state))
      return make_failure(errc::not_found, "unknown flash sale");
    if (state.status == sale_status::ended ||
        now_us() >= state.terms.ends_at_us)
      return make_failure(errc::sale_ended, "the sale has ended");
    if (state.status == sale_status::sold_out)
      return make_failure(errc::sold_out, "the sale is sold out");
    return {};
  }

  expected<events> operator()(const join_sale& command) const {
    if (!visible(state))
      return make_failure(errc::not_found, "unknown flash sale");
    if (command.buyer_id.empty())
      return invalid("a buyer is required");
    if (state.ticket_of_buyer.contains(command.buyer_id))
      return events{};
    if (auto open = check_open_for_tickets(); !open)
      return std::move(open).error();
    if (state.tickets.size() >= flash_sale_tickets_max)
      return make_failure(errc::conflict, "the waiting room is full");
    return events{flash_sale_ticket_issued{command.buyer_id, now_us()}};
  }

  expected<events> operator()(const get_ticket& command) const {
    if (!visible(state))
      return make_failure(errc::not_found, "unknown flash sale");
    auto number = ticket_number(state, command.ticket);
    if (!number)
      return make_failure(errc::not_found, "unknown ticket");
    if (state.tickets[*number].buyer_id != command.buyer_id)
      return make_failure(errc::forbidden, "the ticket is another buyer's");
    return events{};
  }

  /// A sale's checkout may take `quantity` units for the buyer now.
  expected<void> admission(const std::string& buyer_id,
                           const std::string& ticket, int64_t quantity) const {
    if (!visible(state))
      return make_failure(errc::not_found, "unknown flash sale");
    if (state.status == sale_status::ended ||
        now_us() >= state.terms.ends_at_us)
      return make_failure(errc::sale_ended, "the sale has ended");
    auto number = ticket_number(state, ticket);
    if (!number || state.tickets[*number].buyer_id != buyer_id)
      return make_failure(errc::not_admitted,
                          "no admitted ticket of this buyer for this sale");
    auto& held = state.tickets[*number];
    if (held.status != ticket_status::admitted ||
        held.admitted_until_us <= now_us())
      return make_failure(
          errc::not_admitted,
          "the ticket is " +
              std::string{to_string(held.status == ticket_status::admitted
                                        ? ticket_status::expired
                                        : held.status)} +
              ", not admitted");
    if (quantity < 1)
      return invalid("quantity must be at least 1");
    auto units = state.buyer_units.find(buyer_id);
    auto owned = units == state.buyer_units.end() ? 0 : units->second;
    if (owned + quantity > state.terms.per_user_limit)
      return make_failure(
          errc::per_user_limit,
          "the sale's limit is " + std::to_string(state.terms.per_user_limit) +
              " units a buyer; this buyer has " + std::to_string(owned));
    // Units kept for other admitted buyers are not this buyer's to take.
    auto open_to_buyer =
        state.remaining() - state.units_kept + (held.keeps_unit ? 1 : 0);
    if (open_to_buyer < quantity)
      return make_failure(errc::sold_out,
                          std::to_string(std::max<int64_t>(open_to_buyer, 0)) +
                              " units left for this buyer");
    return {};
  }

  expected<events> operator()(const check_admission& command) const {
    if (visible(state) && command.sku != state.terms.sku)
      return invalid("the flash sale sells " + state.terms.sku + ", not " +
                     command.sku);
    if (auto ok = admission(command.buyer_id, command.ticket, command.quantity);
        !ok)
      return std::move(ok).error();
    return events{};
  }

  /// The SKU decider's events for the sale's units, as the sale's events.
  expected<events> stock_events(const sku_command& step,
                                const std::string& buyer_id) const {
    auto decided = decide(state.stock, step, now);
    if (!decided)
      return std::move(decided).error();
    events out;
    for (auto& event : *decided)
      std::visit(
          [&](const auto& each) {
            using type = std::decay_t<decltype(each)>;
            if constexpr (std::is_same_v<type, stock_reserved>)
              out.emplace_back(flash_sale_units_reserved{
                  each.order_id, buyer_id, each.quantity, each.expires_at_us});
            else if constexpr (std::is_same_v<type, reservation_confirmed>)
              out.emplace_back(flash_sale_units_sold{each.order_id});
            else if constexpr (std::is_same_v<type, reservation_released>)
              out.emplace_back(flash_sale_hold_released{each.order_id});
            else if constexpr (std::is_same_v<type, reservation_expired>)
              out.emplace_back(flash_sale_hold_expired{each.order_id});
            else if constexpr (std::is_same_v<type, reservation_extended>)
              out.emplace_back(
                  flash_sale_hold_extended{each.order_id, each.expires_at_us});
            else if constexpr (std::is_same_v<type, sale_returned>)
              out.emplace_back(flash_sale_units_returned{
                  each.order_id, each.quantity, each.at_us});
            else
              assert(false && "a sale's stock step made a SKU-only event");
          },
          event);
    return out;
  }

  expected<events> operator()(const sale_reserve& command) const {
    reserve_stock step{command.order_id, command.quantity, command.ttl};
    // A retried step of an order that holds or bought already changes
    // nothing, even once its admission has ended.
    if (!state.stock.reservations.contains(command.order_id) &&
        !state.stock.confirmed_orders.contains(command.order_id))
      if (auto ok =
              admission(command.buyer_id, command.ticket, command.quantity);
          !ok)
        return std::move(ok).error();
    return stock_events(step, command.buyer_id);
  }

  expected<events> operator()(const sale_stock_step& command) const {
    if (!visible(state))
      return make_failure(errc::not_found, "unknown flash sale");
    bool order_step =
        std::holds_alternative<confirm_reservation>(command.step) ||
        std::holds_alternative<release_reservation>(command.step) ||
        std::holds_alternative<extend_reservation>(command.step) ||
        std::holds_alternative<restore_stock>(command.step) ||
        std::holds_alternative<return_sale>(command.step);
    if (!order_step)
      return invalid("a sale takes an order's stock steps only");
    return stock_events(command.step, {});
  }

  /// Tickets due for admission now: at the set rate, while tickets wait
  /// and units are left beyond those kept for admitted buyers.
  std::pair<int64_t, int64_t> admissions_due() const {
    auto waiting_in_queue =
        static_cast<int64_t>(state.queue.size() - state.admitted_from_queue);
    auto capacity = state.remaining() - state.units_kept;
    auto rate = state.terms.admit_per_second;
    if (waiting_in_queue <= 0 || capacity <= 0)
      return {0, state.credit_from_us};
    auto from =
        std::max(state.credit_from_us,
                 now_us() - std::chrono::microseconds{admission_burst}.count());
    auto count = (now_us() - from) * rate / micros_per_second;
    count = std::min(
        {count, waiting_in_queue, capacity, admissions_per_command_max});
    return {count, from + count * micros_per_second / rate};
  }

  expected<events> operator()(const advance_sale&) const {
    auto at = now_us();
    auto status = state.status;
    if (status == sale_status::scheduled && at >= state.terms.starts_at_us)
      return events{flash_sale_started{at}};
    bool running = status == sale_status::open ||
                   status == sale_status::sold_out ||
                   status == sale_status::ended;
    if (!running)
      return events{};
    if (auto expired = stock_events(expire_reservations{}, {});
        expired && !expired->empty())
      return expired;
    if (status != sale_status::ended && at >= state.terms.ends_at_us)
      return events{flash_sale_ended{at}};
    if (status == sale_status::ended) {
      if (state.remaining() > 0)
        return events{
            flash_sale_units_given_back{state.given_back + state.remaining()}};
      return events{};
    }
    if (!state.admissions.empty() && state.admissions.begin()->first <= at)
      return events{flash_sale_admissions_expired{at}};
    if (status == sale_status::sold_out)
      return state.remaining() > 0 ? events{flash_sale_reopened{at}} : events{};
    if (state.remaining() == 0 && state.stock.reserved == 0)
      return events{flash_sale_sold_out{at}};
    auto [count, credit_from] = admissions_due();
    if (count > 0)
      return events{flash_sale_tickets_admitted{
          count, at + state.terms.admission_ttl_s * micros_per_second,
          credit_from, at}};
    return events{};
  }

  expected<events> operator()(const record_give_back& command) const {
    if (command.total <= state.given_back_acknowledged ||
        command.total > state.given_back)
      return events{};
    return events{flash_sale_give_back_acknowledged{command.total}};
  }
};

template <class Event> void apply_stock(flash_sale_state& state, Event event) {
  apply_event(state.stock, sku_event{std::move(event)});
}

struct applier {
  flash_sale_state& state;

  sale_ticket& ticket_of(const std::string& buyer_id) {
    return state.tickets[state.ticket_of_buyer.at(buyer_id)];
  }

  /// The order's units are no longer the buyer's: a live admission of a
  /// buyer left with nothing keeps a unit again.
  void unbook(const std::string& order_id, int64_t quantity) {
    auto owner = state.order_buyer.find(order_id);
    if (owner == state.order_buyer.end())
      return;
    auto buyer_id = owner->second;
    state.order_buyer.erase(owner);
    auto units = state.buyer_units.find(buyer_id);
    if (units == state.buyer_units.end())
      return;
    units->second -= quantity;
    if (units->second > 0)
      return;
    state.buyer_units.erase(units);
    auto& ticket = ticket_of(buyer_id);
    if (ticket.status == ticket_status::admitted && !ticket.keeps_unit) {
      ticket.keeps_unit = true;
      ++state.units_kept;
    }
  }

  void end_admission(sale_ticket& ticket, ticket_status status) {
    ticket.status = status;
    if (ticket.keeps_unit) {
      ticket.keeps_unit = false;
      --state.units_kept;
    }
  }

  /// Every waiting and admitted ticket ends as `status`.
  void close_room(ticket_status status) {
    for (auto index = state.admitted_from_queue; index < state.queue.size();
         ++index)
      state.tickets[state.queue[index]].status = status;
    state.admitted_from_queue = state.queue.size();
    for (auto& [until, number] : state.admissions)
      end_admission(state.tickets[number], status);
    state.admissions.clear();
    state.waiting = 0;
  }

  void operator()(const flash_sale_created& event) {
    state.status = sale_status::allocating;
    state.terms = event;
  }
  void operator()(const flash_sale_allocated& event) {
    state.status = sale_status::scheduled;
    state.product_id = event.product_id;
    state.seller_id = event.seller_id;
    state.currency = event.currency;
    auto& stock = state.stock;
    stock.registered = true;
    stock.product_id = event.product_id;
    stock.seller_id = event.seller_id;
    stock.price_cents = state.terms.price_cents;
    stock.currency = event.currency;
    stock.received = state.terms.quantity;
  }
  void operator()(const flash_sale_refused& event) {
    state.status = sale_status::refused;
    state.refusal = event;
  }
  void operator()(const flash_sale_ticket_issued& event) {
    auto number = static_cast<uint32_t>(state.tickets.size());
    state.tickets.push_back(sale_ticket{event.buyer_id});
    state.tickets.back().issued_at_us = event.at_us;
    state.ticket_of_buyer.emplace(event.buyer_id, number);
    ++state.waiting;
    if (state.status != sale_status::open)
      return;
    state.queue.push_back(number);
    state.tickets.back().queue_number =
        static_cast<uint32_t>(state.queue.size());
  }
  void operator()(const flash_sale_started& event) {
    state.status = sale_status::open;
    state.started_at_us = event.at_us;
    state.credit_from_us = event.at_us;
    state.queue = shuffled_pre_queue(state);
    for (size_t index = 0; index < state.queue.size(); ++index)
      state.tickets[state.queue[index]].queue_number =
          static_cast<uint32_t>(index + 1);
  }
  void operator()(const flash_sale_tickets_admitted& event) {
    for (int64_t admitted = 0; admitted < event.count; ++admitted) {
      auto number = state.queue[state.admitted_from_queue++];
      auto& ticket = state.tickets[number];
      ticket.status = ticket_status::admitted;
      ticket.admitted_until_us = event.admitted_until_us;
      state.admissions.emplace(event.admitted_until_us, number);
      ticket.keeps_unit = !state.buyer_units.contains(ticket.buyer_id);
      state.units_kept += ticket.keeps_unit ? 1 : 0;
    }
    state.waiting -= event.count;
    state.admitted_total += event.count;
    // The stretch starts where the admitted credit does: at most a banked
    // second back (admissions_due), never at a quiet sale's start.
    if (state.backlog_since_us == 0)
      state.backlog_since_us = std::max(
          state.credit_from_us,
          event.at_us - std::chrono::microseconds{admission_burst}.count());
    state.backlog_admitted += event.count;
    state.last_admitted_at_us = event.at_us;
    state.credit_from_us = event.credit_from_us;
    auto elapsed = event.at_us - state.backlog_since_us;
    if (elapsed > 0)
      state.measured_rate = static_cast<double>(state.backlog_admitted) *
                            micros_per_second / static_cast<double>(elapsed);
    if (state.admitted_from_queue == state.queue.size()) {
      state.backlog_since_us = 0;
      state.backlog_admitted = 0;
    }
  }
  void operator()(const flash_sale_admissions_expired& event) {
    auto& live = state.admissions;
    while (!live.empty() && live.begin()->first <= event.through_us) {
      end_admission(state.tickets[live.begin()->second],
                    ticket_status::expired);
      live.erase(live.begin());
    }
  }
  // Admissions stay: units may come back, and then their holders buy.
  void operator()(const flash_sale_sold_out&) {
    state.status = sale_status::sold_out;
    state.sold_out_from = state.admitted_from_queue;
    for (auto index = state.admitted_from_queue; index < state.queue.size();
         ++index)
      state.tickets[state.queue[index]].status = ticket_status::sold_out;
    state.admitted_from_queue = state.queue.size();
    state.waiting = 0;
  }
  void operator()(const flash_sale_reopened& event) {
    state.status = sale_status::open;
    state.credit_from_us = event.at_us;
    state.admitted_from_queue = state.sold_out_from;
    for (auto index = state.sold_out_from; index < state.queue.size();
         ++index) {
      auto& ticket = state.tickets[state.queue[index]];
      if (ticket.status == ticket_status::sold_out) {
        ticket.status = ticket_status::waiting;
        ++state.waiting;
      }
    }
  }
  void operator()(const flash_sale_ended&) {
    state.status = sale_status::ended;
    close_room(ticket_status::expired);
  }
  void operator()(const flash_sale_units_reserved& event) {
    apply_stock(state, stock_reserved{event.order_id, event.quantity,
                                      event.expires_at_us});
    state.buyer_units[event.buyer_id] += event.quantity;
    state.order_buyer[event.order_id] = event.buyer_id;
    auto& ticket = ticket_of(event.buyer_id);
    if (ticket.keeps_unit) {
      ticket.keeps_unit = false;
      --state.units_kept;
    }
  }
  void operator()(const flash_sale_units_sold& event) {
    apply_stock(state, reservation_confirmed{event.order_id});
  }
  void operator()(const flash_sale_hold_released& event) {
    auto quantity = state.stock.reservations.at(event.order_id).quantity;
    apply_stock(state, reservation_released{event.order_id});
    unbook(event.order_id, quantity);
  }
  void operator()(const flash_sale_hold_expired& event) {
    auto quantity = state.stock.reservations.at(event.order_id).quantity;
    apply_stock(state, reservation_expired{event.order_id});
    unbook(event.order_id, quantity);
  }
  void operator()(const flash_sale_hold_extended& event) {
    apply_stock(state,
                reservation_extended{event.order_id, event.expires_at_us});
  }
  void operator()(const flash_sale_units_returned& event) {
    apply_stock(state,
                sale_returned{event.order_id, event.quantity, event.at_us});
    unbook(event.order_id, event.quantity);
  }
  void operator()(const flash_sale_units_given_back& event) {
    apply_stock(state, stock_removed{event.total - state.given_back});
    state.given_back = event.total;
  }
  void operator()(const flash_sale_give_back_acknowledged& event) {
    state.given_back_acknowledged = event.total;
  }
};

} // namespace

std::string ticket_text(const flash_sale_created& terms,
                        const std::string& buyer_id, uint32_t number) {
  auto key = bytes_of(terms.ticket_key);
  assert(key);
  auto message = terms.sale_id + "|" + buyer_id + "|" + std::to_string(number);
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_state hmac;
  crypto_auth_hmacsha256_init(&hmac, key->data(), key->size());
  crypto_auth_hmacsha256_update(
      &hmac, reinterpret_cast<const unsigned char*>(message.data()),
      message.size());
  crypto_auth_hmacsha256_final(&hmac, mac.data());
  return std::to_string(number) + "." + hex_of(mac.data(), ticket_mac_bytes);
}

std::vector<uint32_t> shuffled_pre_queue(const flash_sale_state& state) {
  auto seed = bytes_of(state.terms.shuffle_seed);
  assert(seed);
  std::vector<std::pair<std::string, uint32_t>> keyed;
  keyed.reserve(state.tickets.size());
  for (uint32_t number = 0; number < state.tickets.size(); ++number) {
    auto text =
        ticket_text(state.terms, state.tickets[number].buyer_id, number);
    std::string input(seed->begin(), seed->end());
    input += text;
    keyed.emplace_back(
        sha256_hex(reinterpret_cast<const unsigned char*>(input.data()),
                   input.size()),
        number);
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<uint32_t> order;
  order.reserve(keyed.size());
  for (auto& [digest, number] : keyed)
    order.push_back(number);
  return order;
}

expected<std::vector<flash_sale_event>>
decide(const flash_sale_state& state, const flash_sale_command& command,
       timestamp now) {
  return std::visit(decider{state, now}, command);
}

void apply_event(flash_sale_state& state, const flash_sale_event& event) {
  std::visit(applier{state}, event);
  assert(state.units_kept >= 0);
  assert(state.waiting >= 0);
  assert(state.stock.sold + state.stock.reserved <= state.terms.quantity);
  assert(state.given_back_acknowledged <= state.given_back);
}

namespace {

std::optional<ticket_view> ticket_of(const flash_sale_state& state,
                                     const std::string& buyer_id) {
  auto found = state.ticket_of_buyer.find(buyer_id);
  if (found == state.ticket_of_buyer.end())
    return std::nullopt;
  auto& ticket = state.tickets[found->second];
  ticket_view out;
  out.ticket = ticket_text(state.terms, buyer_id, found->second);
  out.status = ticket.status;
  out.issued_at_us = ticket.issued_at_us;
  if (ticket.queue_number > 0)
    out.queue_number = ticket.queue_number;
  if (ticket.status == ticket_status::waiting && ticket.queue_number > 0)
    out.position = static_cast<int64_t>(ticket.queue_number) -
                   static_cast<int64_t>(state.admitted_from_queue);
  if (ticket.status == ticket_status::admitted)
    out.admitted_until_us = ticket.admitted_until_us;
  return out;
}

} // namespace

flash_sale_view view(const flash_sale_state& state,
                     const flash_sale_command& command) {
  flash_sale_view out;
  out.id = state.terms.sale_id;
  out.status = state.status;
  out.terms = state.terms;
  out.terms.ticket_key.clear();
  if (state.status == sale_status::allocating ||
      state.status == sale_status::scheduled ||
      state.status == sale_status::refused)
    out.terms.shuffle_seed.clear();
  out.product_id = state.product_id;
  out.seller_id = state.seller_id;
  out.currency = state.currency;
  out.refusal = state.refusal;
  out.remaining = state.remaining();
  out.waiting = state.waiting;
  out.admitted = static_cast<int64_t>(state.admissions.size());
  out.admitted_total = state.admitted_total;
  out.sold = state.stock.sold;
  out.held = state.stock.reserved;
  if (state.status == sale_status::scheduled)
    out.pre_queue = static_cast<int64_t>(state.tickets.size());
  out.admission_rate = state.measured_rate;
  std::visit(
      [&](const auto& each) {
        if constexpr (requires { each.buyer_id; })
          out.ticket = ticket_of(state, each.buyer_id);
      },
      command);
  return out;
}

int64_t estimated_wait_s(const flash_sale_view& sale, timestamp now) {
  if (!sale.ticket || sale.ticket->status != ticket_status::waiting)
    return 0;
  auto rate = sale.admission_rate > 0
                  ? sale.admission_rate
                  : static_cast<double>(sale.terms.admit_per_second);
  auto ahead = static_cast<double>(sale.ticket->position.value_or(
      sale.status == sale_status::scheduled ? sale.pre_queue : 1));
  auto wait = std::ceil(ahead / std::max(rate, 1e-3));
  auto now_us = now.time_since_epoch().count();
  if (sale.status == sale_status::scheduled && sale.terms.starts_at_us > now_us)
    wait += std::ceil(static_cast<double>(sale.terms.starts_at_us - now_us) /
                      micros_per_second);
  return static_cast<int64_t>(wait);
}

std::optional<timestamp> next_deadline(const flash_sale_state& state) {
  auto at = [](int64_t us) { return timestamp{std::chrono::microseconds{us}}; };
  std::optional<timestamp> next;
  auto consider = [&](timestamp when) {
    if (!next || when < *next)
      next = when;
  };
  switch (state.status) {
  case sale_status::scheduled:
    return at(state.terms.starts_at_us);
  case sale_status::open: {
    consider(at(state.terms.ends_at_us));
    if (!state.admissions.empty())
      consider(at(state.admissions.begin()->first));
    if (state.remaining() == 0 && state.stock.reserved == 0)
      consider(at(0));
    auto waiting_in_queue = state.queue.size() - state.admitted_from_queue;
    if (waiting_in_queue > 0 && state.remaining() > state.units_kept)
      consider(at(state.credit_from_us +
                  (micros_per_second + state.terms.admit_per_second - 1) /
                      state.terms.admit_per_second));
    break;
  }
  case sale_status::sold_out:
    consider(at(state.terms.ends_at_us));
    if (!state.admissions.empty())
      consider(at(state.admissions.begin()->first));
    [[fallthrough]];
  case sale_status::ended:
    if (state.remaining() > 0)
      consider(at(0));
    break;
  default:
    return std::nullopt;
  }
  if (auto holds = tillroll::next_deadline(state.stock))
    consider(*holds);
  return next;
}

std::optional<flash_sale_command>
flash_sale_entity::on_deadline(const flash_sale_state& state, timestamp now) {
  auto due = tillroll::next_deadline(state);
  if (!due || *due > now)
    return std::nullopt;
  return flash_sale_command{advance_sale{}};
}

} // namespace tillroll
