#include "projections/ledger/ledger_balances.hpp"

#include "events/byte_order.hpp"
#include "events/codec.hpp"
#include "events/keys.hpp"
#include "events/payment_events.hpp"

#include <sstream>

namespace tillroll {

namespace {

constexpr std::string_view balance_prefix = "b/";
constexpr std::string_view payment_prefix = "p/";

std::string encode_totals(const payment_totals& totals) {
  std::ostringstream out;
  out << totals.currency << ' ' << totals.amount_cents << ' '
      << totals.captured_cents << ' ' << totals.refunded_cents;
  return out.str();
}

} // namespace

expected<void> ledger_balances::load_entry(std::string_view key,
                                           std::string_view value) {
  std::lock_guard guard{mutex_};
  if (key.starts_with(balance_prefix) && value.size() == 8) {
    balances_[std::string{key.substr(balance_prefix.size())}] =
        static_cast<int64_t>(read_big_endian(value));
    return {};
  }
  if (key.starts_with(payment_prefix)) {
    std::istringstream in{std::string{value}};
    payment_totals totals;
    in >> totals.currency >> totals.amount_cents >> totals.captured_cents >>
        totals.refunded_cents;
    payments_[std::string{key.substr(payment_prefix.size())}] = totals;
    return {};
  }
  return make_failure(errc::corrupt_record, "malformed ledger entry");
}

expected<void> ledger_balances::apply(const recorded_event& record,
                                      projection_writer& changes) {
  if (stream_kind(record.stream_id) != "payment")
    return {};
  auto event = decode_event<payment_event>(record);
  if (!event)
    return std::move(event).error();
  auto payment_id = std::string{stream_entity_id(record.stream_id)};
  std::lock_guard guard{mutex_};
  auto& totals = payments_[payment_id];
  bool totals_changed = true;
  if (auto* requested = std::get_if<payment_requested>(&*event)) {
    totals.currency = requested->currency;
    totals.amount_cents = requested->amount_cents;
  } else if (std::holds_alternative<payment_captured>(*event)) {
    totals.captured_cents = totals.amount_cents;
  } else if (auto* refund = std::get_if<refund_recorded>(&*event)) {
    totals.refunded_cents += refund->amount_cents;
  } else if (auto* tx = std::get_if<ledger_transaction_recorded>(&*event)) {
    totals_changed = false;
    for (auto& posting : tx->postings) {
      auto key = posting.account + " " + tx->currency;
      auto& balance = balances_[key];
      balance += posting.amount_cents;
      std::string value;
      append_big_endian(value, static_cast<uint64_t>(balance));
      changes.put(std::string{balance_prefix} + key, value);
    }
  } else {
    totals_changed = false;
  }
  if (totals_changed)
    changes.put(std::string{payment_prefix} + payment_id,
                encode_totals(totals));
  return {};
}

void ledger_balances::reset() {
  std::lock_guard guard{mutex_};
  balances_.clear();
  payments_.clear();
}

std::map<std::string, int64_t> ledger_balances::balances() const {
  std::lock_guard guard{mutex_};
  return {balances_.begin(), balances_.end()};
}

std::map<std::string, payment_totals> ledger_balances::payments() const {
  std::lock_guard guard{mutex_};
  return {payments_.begin(), payments_.end()};
}

std::vector<reconciliation_difference>
reconcile(const std::map<std::string, payment_totals>& ledger,
          const std::vector<settlement_line>& report) {
  std::vector<reconciliation_difference> differences;
  std::map<std::string, const settlement_line*> settled;
  for (auto& line : report)
    settled[line.key] = &line;
  for (auto& [payment_id, totals] : ledger) {
    auto found = settled.find(payment_id);
    if (found == settled.end()) {
      if (totals.captured_cents != 0)
        differences.push_back(
            {payment_id, "missing_at_psp", totals.captured_cents, 0});
      continue;
    }
    auto& line = *found->second;
    if (line.captured_cents != totals.captured_cents)
      differences.push_back({payment_id, "captured_differs",
                             totals.captured_cents, line.captured_cents});
    if (line.refunded_cents != totals.refunded_cents)
      differences.push_back({payment_id, "refunded_differs",
                             totals.refunded_cents, line.refunded_cents});
    settled.erase(found);
  }
  for (auto& [payment_id, line] : settled)
    differences.push_back(
        {payment_id, "missing_in_ledger", 0, line->captured_cents});
  // From the PSP's side alone: one order charged under two keys, or one
  // key captured twice, is money taken twice whatever our log says.
  std::map<std::string, std::pair<std::string, uint32_t>> by_order;
  for (auto& line : report) {
    if (line.captures > 1)
      differences.push_back(
          {line.key, "captured_twice", 0, static_cast<int64_t>(line.captures)});
    if (line.reference.empty())
      continue;
    auto& [first_key, captures] = by_order[line.reference];
    if (captures > 0)
      differences.push_back(
          {line.key, "order_charged_twice", 0, line.captured_cents});
    if (first_key.empty())
      first_key = line.key;
    captures += line.captures;
  }
  return differences;
}

} // namespace tillroll
