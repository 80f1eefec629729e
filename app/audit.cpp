#include "app/audit.hpp"

#include "events/codec.hpp"
#include "events/event_log.hpp"
#include "events/flash_sale_events.hpp"
#include "events/json_text.hpp"
#include "events/keys.hpp"
#include "events/order_events.hpp"
#include "events/payment_events.hpp"
#include "events/replica_log.hpp"
#include "events/sku_events.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

namespace tillroll {

namespace {

constexpr size_t read_batch_events = 10'000;

struct sku_books {
  int64_t received = 0;
  int64_t sold = 0;
  int64_t reserved = 0;
  std::map<std::string, int64_t> holds;
  bool oversold = false;
};

/// A flash sale's units as a SKU's (its `received` is what the SKU set
/// aside, less what went back), with its terms and each buyer's units.
struct sale_books {
  sku_books stock;
  std::string sku;
  int64_t per_user_limit = 0;
  /// Units held or bought, per buyer and per order.
  std::map<std::string, int64_t> buyer_units;
  std::map<std::string, std::pair<std::string, int64_t>> order_units;
  bool limit_passed = false;
};

struct order_books {
  bool reserved = false;
  bool confirmed = false;
  bool partly_confirmed = false;
  bool returned = false;
  bool captured = false;
  /// Told the buyer it was paid (payment_confirmed or later).
  bool paid_status = false;
  /// Told the buyer it is being fulfilled (fulfillment_processing or
  /// later): its stock was confirmed before.
  bool fulfilling_status = false;
  /// Units per SKU the order's lines ask for (summed, should a line repeat).
  std::map<std::string, int64_t> units;
  bool total_matches = true;
  bool cancelled = false;
  int64_t total_cents = 0;
  int64_t refunded_cents = 0;
  /// Refunds requested and not yet done (parked ones included).
  std::set<std::string> refunds_open;
  std::set<std::string> parked;
};

boost::json::array to_array(const std::vector<std::string>& items) {
  boost::json::array out;
  for (auto& item : items)
    out.push_back(boost::json::value(item));
  return out;
}

} // namespace

std::string audit_report::to_json() const {
  return json_text(boost::json::object{
      {"ok", ok()},
      {"events", events},
      {"skus", skus},
      {"orders", orders},
      {"payments", payments},
      {"oversold_skus", to_array(oversold_skus)},
      {"orders_without_payment", to_array(orders_without_payment)},
      {"unbalanced_transactions", to_array(unbalanced_transactions)},
      {"double_charges", to_array(double_charges)},
      {"line_mismatches", to_array(line_mismatches)},
      {"unrefunded_cancellations", to_array(unrefunded_cancellations)},
      {"parked_refunds", to_array(parked_refunds)},
      {"flash_sale_limits_passed", to_array(flash_sale_limits_passed)}});
}

namespace {

/// Books kept from the log alone, with none of the deciders' code: the
/// auditor folds the events itself and judges the invariants at the end.
class auditor {
public:
  expected<void> read(const recorded_event& record) {
    ++report_.events;
    auto kind = stream_kind(record.stream_id);
    auto id = std::string{stream_entity_id(record.stream_id)};
    if (kind == "sku")
      return read_sku(id, record);
    if (kind == "order")
      return read_order(orders_[id], record);
    if (kind == "payment")
      return read_payment(id, record);
    if (kind == "flash_sale")
      return read_sale(id, record);
    return {};
  }

  audit_report finish() {
    for (auto& [sku, books] : skus_)
      if (books.oversold)
        report_.oversold_skus.push_back(sku);
    for (auto& [sale_id, books] : sales_) {
      if (books.stock.oversold)
        report_.oversold_skus.push_back("flash_sale-" + sale_id);
      if (books.limit_passed)
        report_.flash_sale_limits_passed.push_back(sale_id);
    }
    judge_orders();
    judge_sales();
    for (auto& [payment_id, count] : captures_)
      if (count > 1)
        report_.double_charges.push_back(payment_id);
    report_.skus = skus_.size();
    report_.orders = orders_.size();
    report_.payments = captures_.size();
    for (auto* list :
         {&report_.oversold_skus, &report_.flash_sale_limits_passed,
          &report_.orders_without_payment, &report_.double_charges,
          &report_.line_mismatches, &report_.unrefunded_cancellations,
          &report_.parked_refunds})
      std::sort(list->begin(), list->end());
    return std::move(report_);
  }

private:
  expected<void> read_sku(const std::string& id, const recorded_event& record) {
    auto event = decode_event<sku_event>(record);
    if (!event)
      return std::move(event).error();
    auto& books = skus_[id];
    auto release = [&](const std::string& order_id) {
      auto held = books.holds.find(order_id);
      if (held == books.holds.end())
        return int64_t{0};
      books.reserved -= held->second;
      return books.holds.extract(held).mapped();
    };
    if (auto* in = std::get_if<stock_received>(&*event)) {
      books.received += in->quantity;
    } else if (auto* out = std::get_if<stock_removed>(&*event)) {
      books.received -= out->quantity;
    } else if (auto* hold = std::get_if<stock_reserved>(&*event)) {
      books.holds[hold->order_id] += hold->quantity;
      books.reserved += hold->quantity;
    } else if (auto* sale = std::get_if<reservation_confirmed>(&*event)) {
      auto units = release(sale->order_id);
      books.sold += units;
      sold_to_[{sale->order_id, id}] += units;
    } else if (auto* released = std::get_if<reservation_released>(&*event)) {
      release(released->order_id);
    } else if (auto* expired = std::get_if<reservation_expired>(&*event)) {
      release(expired->order_id);
    } else if (auto* back = std::get_if<sale_returned>(&*event)) {
      books.sold -= back->quantity;
      sold_to_[{back->order_id, id}] -= back->quantity;
    } else if (auto* aside = std::get_if<stock_set_aside>(&*event)) {
      // A flash sale's units: the SKU no longer sells them.
      books.received -= aside->quantity;
      set_aside_[aside->sale_id] += aside->quantity;
    } else if (auto* given = std::get_if<set_aside_returned>(&*event)) {
      books.received += given->quantity;
    }
    judge_stock(books);
    return {};
  }

  static void judge_stock(sku_books& books) {
    if (books.sold + books.reserved > books.received || books.sold < 0 ||
        books.reserved < 0)
      books.oversold = true;
  }

  /// A flash sale's stream, folded as a SKU's stock of the units the SKU
  /// set aside for it (read before it: the SKU's set-aside comes first).
  expected<void> read_sale(const std::string& id,
                           const recorded_event& record) {
    auto event = decode_event<flash_sale_event>(record);
    if (!event)
      return std::move(event).error();
    auto& books = sales_[id];
    auto& stock = books.stock;
    auto book = [&](const std::string& order_id, int64_t units) {
      auto& [buyer, held] = books.order_units[order_id];
      books.buyer_units[buyer] += units;
      held += units;
    };
    auto release = [&](const std::string& order_id) {
      auto held = stock.holds.find(order_id);
      if (held == stock.holds.end())
        return int64_t{0};
      stock.reserved -= held->second;
      return stock.holds.extract(held).mapped();
    };
    if (auto* created = std::get_if<flash_sale_created>(&*event)) {
      books.sku = created->sku;
      books.per_user_limit = created->per_user_limit;
    } else if (std::holds_alternative<flash_sale_allocated>(*event)) {
      stock.received = set_aside_[id];
    } else if (auto* hold = std::get_if<flash_sale_units_reserved>(&*event)) {
      stock.holds[hold->order_id] += hold->quantity;
      stock.reserved += hold->quantity;
      books.order_units[hold->order_id].first = hold->buyer_id;
      book(hold->order_id, hold->quantity);
      if (books.buyer_units[hold->buyer_id] > books.per_user_limit)
        books.limit_passed = true;
    } else if (auto* sale = std::get_if<flash_sale_units_sold>(&*event)) {
      auto units = release(sale->order_id);
      stock.sold += units;
      sold_to_[{sale->order_id, books.sku}] += units;
    } else if (auto* released =
                   std::get_if<flash_sale_hold_released>(&*event)) {
      book(released->order_id, -release(released->order_id));
    } else if (auto* expired = std::get_if<flash_sale_hold_expired>(&*event)) {
      book(expired->order_id, -release(expired->order_id));
    } else if (auto* back = std::get_if<flash_sale_units_returned>(&*event)) {
      stock.sold -= back->quantity;
      sold_to_[{back->order_id, books.sku}] -= back->quantity;
      book(back->order_id, -back->quantity);
    } else if (auto* given =
                   std::get_if<flash_sale_units_given_back>(&*event)) {
      stock.received = set_aside_[id] - given->total;
    }
    judge_stock(stock);
    return {};
  }

  static expected<void> read_order(order_books& books,
                                   const recorded_event& record) {
    switch (record.type_id) {
    case order_stock_reserved::type_id:
      books.reserved = true;
      return {};
    case order_stock_confirmed::type_id:
      books.confirmed = true;
      return {};
    case order_stock_partly_confirmed::type_id:
      books.partly_confirmed = true;
      return {};
    case order_stock_returned::type_id:
      books.returned = true;
      return {};
    case order_cancelled::type_id:
      books.cancelled = true;
      return {};
    case order_payment_captured::type_id:
      books.captured = true;
      return {};
    case order_placed::type_id:
    case order_refund_requested::type_id:
    case order_refund_parked::type_id:
    case order_refunds_unparked::type_id:
    case order_refunded::type_id:
    case order_notification::type_id:
      return read_order_detail(books, record);
    default:
      return {};
    }
  }

  /// The order events whose payload the books need.
  static expected<void> read_order_detail(order_books& books,
                                          const recorded_event& record) {
    auto event = decode_event<order_event>(record);
    if (!event)
      return std::move(event).error();
    if (auto* placed = std::get_if<order_placed>(&*event)) {
      int64_t total = 0;
      for (auto& line : placed->lines) {
        books.units[line.sku] += line.quantity;
        total += line.quantity * line.unit_price_cents;
      }
      books.total_matches = total == placed->total_cents;
      books.total_cents = placed->total_cents;
    } else if (auto* requested = std::get_if<order_refund_requested>(&*event)) {
      books.refunds_open.insert(requested->refund_id);
    } else if (auto* parked = std::get_if<order_refund_parked>(&*event)) {
      books.parked.insert(parked->refund_id);
    } else if (std::holds_alternative<order_refunds_unparked>(*event)) {
      books.parked.clear();
    } else if (auto* refunded = std::get_if<order_refunded>(&*event)) {
      books.parked.erase(refunded->refund_id);
      books.refunds_open.erase(refunded->refund_id);
      books.refunded_cents += refunded->amount_cents;
    } else if (auto* note = std::get_if<order_notification>(&*event)) {
      auto& status = note->status;
      bool fulfilling = status == "fulfillment_processing" ||
                        status == "shipped" || status == "delivered";
      books.paid_status |= fulfilling || status == "payment_confirmed";
      books.fulfilling_status |= fulfilling;
    }
    return {};
  }

  expected<void> read_payment(const std::string& id,
                              const recorded_event& record) {
    if (record.type_id == payment_captured::type_id) {
      ++captures_[id];
      return {};
    }
    captures_.try_emplace(id, 0);
    if (record.type_id != ledger_transaction_recorded::type_id)
      return {};
    auto event = decode_event<payment_event>(record);
    if (!event)
      return std::move(event).error();
    int64_t sum = 0;
    for (auto& posting : std::get<ledger_transaction_recorded>(*event).postings)
      sum += posting.amount_cents;
    if (sum != 0)
      report_.unbalanced_transactions.push_back(
          id + "#" + std::to_string(record.sequence));
    return {};
  }

  /// Units sold equal units paid: an order that kept its sale sold each
  /// line's units, no more, no less; an order that gave its sale back, or
  /// never made one, kept nothing.
  void judge_orders() {
    for (auto& [order_id, books] : orders_) {
      // Each status is told after its cause is durable, so at any cut of
      // the log (an audit of a cluster reads up to one) a told status has
      // its causes before it: paid after the capture and the holds,
      // fulfilling after the stock's confirmation.
      if ((books.paid_status && !(books.captured && books.reserved)) ||
          (books.fulfilling_status &&
           !(books.confirmed || books.partly_confirmed)))
        report_.orders_without_payment.push_back(order_id);
      if (!books.total_matches)
        report_.line_mismatches.push_back(order_id + " total");
      if (!books.parked.empty())
        report_.parked_refunds.push_back(order_id);
      // Charged and cancelled, with no refund under way for what is left:
      // the buyer pays for nothing.
      if (books.cancelled && books.captured &&
          books.refunded_cents < books.total_cents &&
          books.refunds_open.empty())
        report_.unrefunded_cancellations.push_back(order_id);
      if (!books.confirmed || books.returned)
        continue;
      // Cancelled after its stock was confirmed, the order is giving its
      // units back: each SKU has kept them or given them back by now.
      bool returning = books.cancelled;
      for (auto& [sku, units] : books.units) {
        auto sold = sold_to_.find({order_id, sku});
        auto kept = sold == sold_to_.end() ? 0 : sold->second;
        if (returning ? (kept != 0 && kept != units) : kept != units)
          report_.line_mismatches.push_back(order_id + " " + sku);
      }
    }
  }

  /// Every sale the SKUs made belongs to an order that kept it.
  void judge_sales() {
    for (auto& [key, units] : sold_to_) {
      auto& [order_id, sku] = key;
      auto books = orders_.find(order_id);
      if (books == orders_.end()) {
        if (units != 0)
          report_.line_mismatches.push_back(order_id + " " + sku);
        continue;
      }
      auto& order = books->second;
      bool kept = order.confirmed && !order.returned;
      // A partly confirmed order not yet returned is a saga mid-way; so is
      // one whose SKUs sold and whose confirmation is not in the log yet
      // (it comes after theirs), unless the order ended without it.
      bool gave_back = order.returned || (order.cancelled && !order.confirmed &&
                                          !order.partly_confirmed);
      if ((kept && !order.units.contains(sku)) || (gave_back && units != 0))
        report_.line_mismatches.push_back(order_id + " " + sku);
    }
  }

  audit_report report_;
  std::unordered_map<std::string, sku_books> skus_;
  std::unordered_map<std::string, sale_books> sales_;
  /// Units each flash sale was handed by its SKU.
  std::unordered_map<std::string, int64_t> set_aside_;
  std::unordered_map<std::string, order_books> orders_;
  std::unordered_map<std::string, int> captures_;
  /// Units each SKU sold to each order: (order id, sku) -> units.
  std::map<std::pair<std::string, std::string>, int64_t> sold_to_;
};

/// One log the audit reads: this member's, or its copy of another's.
class audited_log {
public:
  audited_log(const event_log& log, std::optional<std::string> member)
      : log_(log), member_(std::move(member)) {}

  /// The next event, or null when the log is read to its end.
  expected<const recorded_event*> peek() {
    if (index_ == batch_.size() && !done_) {
      auto read = member_
                      ? read_replica(log_, *member_, next_, read_batch_events)
                      : log_.read_global(next_, read_batch_events);
      if (!read)
        return std::move(read).error();
      batch_ = std::move(*read);
      index_ = 0;
      done_ = batch_.empty();
      if (!done_)
        next_ = batch_.back().position + 1;
    }
    return done_ ? nullptr : &batch_[index_];
  }
  void pop() { ++index_; }

private:
  const event_log& log_;
  std::optional<std::string> member_;
  std::vector<recorded_event> batch_;
  size_t index_ = 0;
  uint64_t next_ = 1;
  bool done_ = false;
};

} // namespace

expected<audit_report> audit(const event_log& log, const audit_scope& scope) {
  std::vector<audited_log> logs;
  logs.emplace_back(log, std::nullopt);
  for (auto& member : scope.replica_members)
    logs.emplace_back(log, member);
  auditor books;
  // The logs merged by when each event was recorded: a cause on one member
  // is recorded before its effect on another (a saga's step is sent once
  // its cause is durable), so each is read before what it caused.
  for (;;) {
    audited_log* earliest = nullptr;
    const recorded_event* first = nullptr;
    for (auto& each : logs) {
      auto next = each.peek();
      if (!next)
        return std::move(next).error();
      if (*next != nullptr &&
          (first == nullptr || (*next)->recorded_at < first->recorded_at)) {
        earliest = &each;
        first = *next;
      }
    }
    if (first == nullptr)
      return books.finish();
    if (!scope.until || first->recorded_at <= *scope.until)
      if (auto read = books.read(*first); !read)
        return read.error();
    earliest->pop();
  }
}

} // namespace tillroll
