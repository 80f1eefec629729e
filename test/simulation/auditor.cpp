#include "test/simulation/auditor.hpp"

#include "events/payment_events.hpp"
#include "events/sku_events.hpp"

#include <numeric>

namespace tillroll::simulation {

namespace {

constexpr std::string_view sku_prefix = "sku-";
constexpr std::string_view order_prefix = "order-";
constexpr std::string_view payment_prefix = "payment-";

bool starts_with(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

std::string units(int64_t count) {
  return std::to_string(count) + (count == 1 ? " unit" : " units");
}

/// Each visitor tallies one stream's events and names the first event that
/// breaks a rule no correct decider can break.
struct sku_reader {
  const std::string& sku;
  sku_tally& tally;
  std::optional<std::string>& problem;

  void fail(std::string what) {
    if (!problem)
      problem = "sku " + sku + ": " + std::move(what);
  }
  int64_t& held(const std::string& order_id) { return tally.held[order_id]; }

  void operator()(const stock_received& event) {
    tally.on_hand += event.quantity;
  }
  void operator()(const stock_removed& event) {
    tally.on_hand -= event.quantity;
  }
  void operator()(const stock_reserved& event) {
    if (held(event.order_id) != 0)
      fail("order " + event.order_id + " was held a second time");
    held(event.order_id) += event.quantity;
    tally.held_total += event.quantity;
  }
  void operator()(const reservation_confirmed& event) {
    auto quantity = held(event.order_id);
    if (quantity == 0)
      fail("order " + event.order_id + " was sold stock it did not hold");
    held(event.order_id) = 0;
    tally.held_total -= quantity;
    tally.sold[event.order_id] += quantity;
    tally.sold_total += quantity;
  }
  void end_hold(const std::string& order_id, std::string_view how) {
    auto quantity = held(order_id);
    if (quantity == 0)
      fail("order " + order_id + "'s hold was " + std::string{how} +
           " while it held nothing");
    held(order_id) = 0;
    tally.held_total -= quantity;
  }
  void operator()(const reservation_released& event) {
    end_hold(event.order_id, "released");
  }
  void operator()(const reservation_expired& event) {
    end_hold(event.order_id, "expired");
  }
  void operator()(const reservation_extended& event) {
    if (held(event.order_id) == 0)
      fail("order " + event.order_id +
           "'s hold was extended while it held "
           "nothing");
  }
  void operator()(const sale_returned& event) {
    auto& sold = tally.sold[event.order_id];
    if (event.quantity > sold)
      fail("order " + event.order_id + " returned " + units(event.quantity) +
           " of the " + units(sold) + " it bought");
    sold -= event.quantity;
    tally.sold_total -= event.quantity;
  }
  void operator()(const sku_registered&) {}
  void operator()(const price_set&) {}
  void operator()(const sku_withdrawn&) {}
  void operator()(const stock_change_keyed&) {}
  // Units handed to a flash sale leave the SKU's own stock until given back.
  void operator()(const stock_set_aside& event) {
    tally.on_hand -= event.quantity;
  }
  void operator()(const set_aside_returned& event) {
    tally.on_hand += event.quantity;
  }
};

struct order_reader {
  const std::string& order_id;
  order_tally& tally;
  std::optional<std::string>& problem;

  void fail(std::string what) {
    if (!problem)
      problem = "order " + order_id + ": " + std::move(what);
  }

  void operator()(const order_placed& event) {
    if (tally.placed)
      fail("placed twice");
    tally.placed = true;
    tally.lines = event.lines;
    tally.total_cents = event.total_cents;
    int64_t sum = 0;
    for (auto& line : event.lines)
      sum += line.quantity * line.unit_price_cents;
    if (sum != event.total_cents)
      fail("total " + std::to_string(event.total_cents) +
           " is not the sum of its lines, " + std::to_string(sum));
  }
  void operator()(const order_payment_started& event) {
    if (!tally.payment_key.empty() && tally.payment_key != event.payment_id)
      fail("a second payment key " + event.payment_id);
    tally.payment_key = event.payment_id;
  }
  void operator()(const order_payment_captured&) {
    if (tally.captured)
      fail("captured twice");
    if (tally.payment_key.empty())
      fail("captured before its payment started");
    tally.captured = true;
  }
  void operator()(const order_cancelled& event) {
    if (tally.cancelled)
      fail("cancelled twice");
    tally.cancelled = true;
    tally.cancel_reason = event.reason;
    tally.restored = false;
  }
  void operator()(const order_stock_confirmed&) {
    if (!tally.captured)
      fail("its stock was confirmed before it was paid");
    tally.stock_confirmed = true;
  }
  void operator()(const order_stock_partly_confirmed&) {
    if (!tally.captured)
      fail("its stock was confirmed before it was paid");
  }
  void operator()(const order_stock_released&) {
    if (tally.cancelled)
      tally.restored = true;
  }
  void operator()(const order_stock_returned&) {
    if (tally.cancelled)
      tally.restored = true;
  }
  void operator()(const order_fulfillment_started&) {
    if (!tally.stock_confirmed || tally.cancelled)
      fail("fulfilment started without its stock sold");
    tally.fulfilled = true;
  }
  void operator()(const order_refund_requested& event) {
    tally.refund_requested_cents += event.amount_cents;
    if (tally.refund_requested_cents > tally.total_cents)
      fail("refunds of " + std::to_string(tally.refund_requested_cents) +
           " requested on a total of " + std::to_string(tally.total_cents));
  }
  void operator()(const order_refunded& event) {
    tally.refunded_cents += event.amount_cents;
    if (tally.refunded_cents > tally.refund_requested_cents)
      fail("refunded more than was requested");
  }
  void operator()(const order_stock_reserved&) {}
  void operator()(const order_payment_check_scheduled&) {}
  void operator()(const order_shipped&) {}
  void operator()(const order_delivered&) {}
  void operator()(const order_notification&) {}
  void operator()(const order_lines_shipped&) {}
  void operator()(const order_lines_delivered&) {}
  void operator()(const order_refund_retry_scheduled&) {}
  void operator()(const order_refund_parked&) {}
  void operator()(const order_refunds_unparked&) {}
  // The simulated world runs no flash sales; their streams are audited by
  // tillroll audit (app/audit.cpp).
  void operator()(const order_flash_sale_joined&) {}
  void operator()(const order_queued&) {}
  void operator()(const order_dequeued&) {}
};

struct payment_reader {
  const std::string& key;
  payment_tally& tally;
  std::optional<std::string>& problem;

  void fail(std::string what) {
    if (!problem)
      problem = "payment " + key + ": " + std::move(what);
  }

  void operator()(const payment_requested& event) {
    tally.amount_cents = event.amount_cents;
  }
  void operator()(const payment_captured&) {
    if (tally.captured)
      fail("captured twice");
    tally.captured = true;
  }
  void operator()(const refund_recorded& event) {
    tally.refunded_cents += event.amount_cents;
    if (!tally.captured || tally.refunded_cents > tally.amount_cents)
      fail("refunded " + std::to_string(tally.refunded_cents) + " of a " +
           (tally.captured ? "capture of " + std::to_string(tally.amount_cents)
                           : std::string{"payment never captured"}));
  }
  void operator()(const ledger_transaction_recorded& event) {
    auto sum = std::accumulate(event.postings.begin(), event.postings.end(),
                               int64_t{0}, [](int64_t total, auto& posting) {
                                 return total + posting.amount_cents;
                               });
    if (sum != 0)
      fail("ledger transaction " + event.transaction_id + " sums to " +
           std::to_string(sum));
    if (event.postings.size() < 2)
      fail("ledger transaction " + event.transaction_id +
           " has fewer than two postings");
    int64_t debits = 0;
    for (auto& posting : event.postings)
      if (posting.amount_cents > 0)
        debits += posting.amount_cents;
    if (event.transaction_id == "capture")
      tally.ledger_captured_cents += debits;
    else
      tally.ledger_refunded_cents += debits;
    if (tally.ledger_captured_cents > tally.amount_cents ||
        tally.ledger_refunded_cents > tally.ledger_captured_cents)
      fail("the ledger holds captures of " +
           std::to_string(tally.ledger_captured_cents) + " and refunds of " +
           std::to_string(tally.ledger_refunded_cents) + " for a payment of " +
           std::to_string(tally.amount_cents));
  }
  void operator()(const payment_declined&) {}
  void operator()(const payment_attempt_failed&) {}
};

template <class Event, class Tally, class Reader>
void follow(const simulated_log& log, const std::string& stream_id,
            const std::string& id, Tally& followed,
            std::optional<std::string>& problem) {
  auto generation = log.generation(stream_id);
  if (generation != followed.generation) {
    followed = {};
    followed.generation = generation;
  }
  if (followed.consumed == log.size(stream_id))
    return;
  auto events = log.read<Event>(stream_id, followed.consumed);
  if (!events) {
    if (!problem)
      problem = "the log does not decode: " + events.error().message;
    return;
  }
  followed.consumed += events->size();
  for (auto& event : *events)
    std::visit(Reader{id, followed.tally, problem}, event);
}

const order_line* line_of(const order_tally& order, const std::string& sku) {
  for (auto& line : order.lines)
    if (line.sku == sku)
      return &line;
  return nullptr;
}

} // namespace

void auditor::read_new_events(const simulated_log& log) {
  for (auto& [stream_id, stream] : log.streams()) {
    if (starts_with(stream_id, sku_prefix))
      follow<sku_event, followed<sku_tally>, sku_reader>(
          log, stream_id, stream_id.substr(sku_prefix.size()),
          skus_[stream_id.substr(sku_prefix.size())], problem_);
    else if (starts_with(stream_id, order_prefix))
      follow<order_event, followed<order_tally>, order_reader>(
          log, stream_id, stream_id.substr(order_prefix.size()),
          orders_[stream_id.substr(order_prefix.size())], problem_);
    else if (starts_with(stream_id, payment_prefix))
      follow<payment_event, followed<payment_tally>, payment_reader>(
          log, stream_id, stream_id.substr(payment_prefix.size()),
          payments_[stream_id.substr(payment_prefix.size())], problem_);
  }
}

void auditor::violation(std::string what) {
  if (!problem_)
    problem_ = std::move(what);
}

std::optional<std::string> auditor::check(const simulated_log& log,
                                          const payment_provider& psp) {
  read_new_events(log);
  if (problem_)
    return problem_;
  auto& books = psp.books();
  // Which order each PSP key pays for, from the orders' own events.
  std::map<std::string, std::string> order_of_key;
  for (auto& [order_id, order] : orders_)
    if (!order.tally.payment_key.empty())
      order_of_key[order.tally.payment_key] = order_id;

  for (auto& [sku, followed] : skus_) {
    auto& tally = followed.tally;
    if (tally.held_total < 0 || tally.sold_total < 0)
      violation("sku " + sku + ": negative holds or sales");
    if (tally.held_total + tally.sold_total > tally.on_hand)
      violation("sku " + sku + " oversold: " + units(tally.sold_total) +
                " sold and " + units(tally.held_total) + " held of " +
                units(tally.on_hand) + " on hand");
    for (auto* per_order : {&tally.held, &tally.sold})
      for (auto& [order_id, quantity] : *per_order) {
        if (quantity == 0)
          continue;
        auto found = orders_.find(order_id);
        auto* line = found == orders_.end() ? nullptr
                                            : line_of(found->second.tally, sku);
        auto what = per_order == &tally.held ? " holds " : " sold ";
        if (line == nullptr) {
          violation("sku " + sku + what + units(quantity) + " for order " +
                    order_id + ", which has no line for it");
          continue;
        }
        if (line->quantity != quantity)
          violation("sku " + sku + what + units(quantity) + " for order " +
                    order_id + ", whose line is " + units(line->quantity));
      }
    for (auto& [order_id, quantity] : tally.sold) {
      if (quantity == 0)
        continue;
      // The PSP's books, not the order's record: a sale is confirmed
      // before the order records the capture with it (record_sale).
      auto& order = orders_[order_id].tally;
      auto account = books.find(order.payment_key);
      if (account == books.end() || account->second.captures == 0)
        violation("sku " + sku + " sold " + units(quantity) + " to order " +
                  order_id + ", which the PSP never charged");
    }
  }

  for (auto& [order_id, followed] : orders_) {
    auto& order = followed.tally;
    if (!order.stock_confirmed || order.cancelled)
      continue;
    // Paid and its stock confirmed: each line's units are sold to it.
    for (auto& line : order.lines) {
      auto sold = skus_[line.sku].tally.sold[order_id];
      if (sold != line.quantity)
        violation("order " + order_id + " paid for " + units(line.quantity) +
                  " of sku " + line.sku + " and was sold " + units(sold));
    }
  }

  for (auto& [key, account] : books) {
    if (account.captures > 1)
      violation("the PSP captured " + std::to_string(account.captures) +
                " times under key " + key);
    if (account.refunded_cents > account.captured_cents)
      violation("the PSP refunded " + std::to_string(account.refunded_cents) +
                " of a capture of " + std::to_string(account.captured_cents) +
                " under key " + key);
    if (account.captures == 0)
      continue;
    auto order = order_of_key.find(key);
    if (order == order_of_key.end()) {
      violation("the PSP captured under key " + key +
                ", which is no order's payment key");
      continue;
    }
    auto total = orders_[order->second].tally.total_cents;
    if (account.captured_cents != total)
      violation("the PSP captured " + std::to_string(account.captured_cents) +
                " for order " + order->second + " of total " +
                std::to_string(total));
  }

  for (auto& [key, followed] : payments_) {
    auto& payment = followed.tally;
    auto account = books.find(key);
    auto psp_captured = account != books.end() && account->second.captures > 0;
    if (payment.captured && !psp_captured)
      violation("payment " + key + " records a capture the PSP never made");
    auto psp_refunded =
        account == books.end() ? 0 : account->second.refunded_cents;
    if (payment.refunded_cents > psp_refunded)
      violation("payment " + key + " records refunds of " +
                std::to_string(payment.refunded_cents) + "; the PSP made " +
                std::to_string(psp_refunded));
  }
  return problem_;
}

std::string auditor::outcome_of(const order_tally& order) const {
  if (order.cancelled)
    return order.restored ? "cancelled (" + order.cancel_reason + ")"
                          : "cancelled, stock not restored";
  if (order.fulfilled)
    return order.refunded_cents == order.total_cents ? "fulfilled, refunded"
                                                     : "fulfilled";
  if (order.captured && order.refunded_cents == order.total_cents)
    return "refunded";
  if (order.captured)
    return "paid, stock not confirmed";
  return order.payment_key.empty() ? "open" : "payment open";
}

std::optional<std::string> auditor::check_final(const simulated_log& log,
                                                const payment_provider& psp) {
  if (auto broken = check(log, psp))
    return broken;
  auto& books = psp.books();
  for (auto& [order_id, followed] : orders_) {
    auto& order = followed.tally;
    if (!order.placed)
      continue;
    auto outcome = outcome_of(order);
    if (!(order.cancelled && order.restored) && outcome != "fulfilled" &&
        outcome != "fulfilled, refunded" && outcome != "refunded")
      return "order " + order_id +
             " is not final once faults stopped: " + outcome;
    if (order.refunded_cents != order.refund_requested_cents)
      return "order " + order_id + " still waits for refunds of " +
             std::to_string(order.refund_requested_cents -
                            order.refunded_cents);
    auto account = books.find(order.payment_key);
    auto captured = account == books.end() ? 0 : account->second.captured_cents;
    auto refunded = account == books.end() ? 0 : account->second.refunded_cents;
    if (captured > 0 && !order.captured)
      return "the PSP captured " + std::to_string(captured) + " for order " +
             order_id + ", which never recorded it";
    if (order.cancelled && captured != refunded)
      return "order " + order_id + " is cancelled; the PSP captured " +
             std::to_string(captured) + " and refunded " +
             std::to_string(refunded);
    // Units sold equal units paid: all of each line for a fulfilled order,
    // none for a cancelled one or one refunded before its stock sold.
    for (auto& line : order.lines) {
      auto& sku = skus_[line.sku].tally;
      auto sold = sku.sold[order_id];
      auto expected = order.fulfilled && !order.cancelled ? line.quantity : 0;
      if (sold != expected)
        return "order " + order_id + " (" + outcome + ") was sold " +
               units(sold) + " of sku " + line.sku + "; expected " +
               units(expected);
      if (sku.held[order_id] != 0)
        return "order " + order_id + " (" + outcome + ") still holds " +
               units(sku.held[order_id]) + " of sku " + line.sku;
    }
  }
  for (auto& [sku, followed] : skus_)
    if (followed.tally.held_total != 0)
      return "sku " + sku + " still holds " + units(followed.tally.held_total) +
             " once every order is final";
  return std::nullopt;
}

std::map<std::string, uint64_t> auditor::outcomes() const {
  std::map<std::string, uint64_t> counts;
  for (auto& [order_id, followed] : orders_)
    if (followed.tally.placed)
      ++counts[outcome_of(followed.tally)];
  return counts;
}

} // namespace tillroll::simulation
