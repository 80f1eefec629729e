#include "projections/orders/order_history.hpp"

#include "events/codec.hpp"
#include "events/keys.hpp"
#include "events/order_events.hpp"

#include <algorithm>
#include <mutex>

namespace tillroll {

namespace {

constexpr std::string_view order_prefix = "o/";

} // namespace

void order_history::index(const order_summary& order) {
  sort_entry key{order.placed_at_us, order.order_id};
  by_buyer_[order.buyer_id].insert(key);
  for (auto& line : order.lines)
    by_seller_[line.seller_id].insert(key);
}

expected<void> order_history::load_entry(std::string_view key,
                                         std::string_view value) {
  if (!key.starts_with(order_prefix))
    return make_failure(errc::corrupt_record, "malformed order entry");
  auto order = decode_payload<order_summary>(value);
  if (!order)
    return std::move(order).error();
  std::unique_lock guard{mutex_};
  index(*order);
  auto id = order->order_id;
  orders_[id] = std::move(*order);
  return {};
}

expected<void> order_history::apply(const recorded_event& record,
                                    projection_writer& changes) {
  if (stream_kind(record.stream_id) != "order")
    return {};
  auto kind = record.type_id;
  if (kind != order_placed::type_id && kind != order_notification::type_id &&
      kind != order_refunded::type_id)
    return {};
  auto event = decode_event<order_event>(record);
  if (!event)
    return std::move(event).error();
  auto order_id = std::string{stream_entity_id(record.stream_id)};
  std::unique_lock guard{mutex_};
  if (auto* placed = std::get_if<order_placed>(&*event)) {
    auto& order = orders_[order_id];
    order.order_id = order_id;
    order.buyer_id = placed->buyer_id;
    order.currency = placed->currency;
    order.total_cents = placed->total_cents;
    order.placed_at_us = record.recorded_at.time_since_epoch().count();
    order.lines = placed->lines;
    if (order.status.empty())
      order.status = "created";
    index(order);
    changes.put(std::string{order_prefix} + order_id, encode_payload(order));
    return {};
  }
  auto found = orders_.find(order_id);
  if (found == orders_.end())
    return {};
  auto& order = found->second;
  if (auto* notice = std::get_if<order_notification>(&*event)) {
    order.status = notice->status;
    order.history.push_back({notice->status, notice->at_us});
  } else if (auto* refund = std::get_if<order_refunded>(&*event)) {
    order.refunded_cents += refund->amount_cents;
  }
  changes.put(std::string{order_prefix} + order_id, encode_payload(order));
  return {};
}

void order_history::reset() {
  std::unique_lock guard{mutex_};
  orders_.clear();
  by_buyer_.clear();
  by_seller_.clear();
}

std::optional<order_summary>
order_history::order(std::string_view order_id) const {
  std::shared_lock guard{mutex_};
  auto found = orders_.find(std::string{order_id});
  if (found == orders_.end())
    return std::nullopt;
  return found->second;
}

expected<list_page<order_summary>> order_history::page(
    const std::unordered_map<std::string, std::set<sort_entry>>& index,
    std::string_view owner, const std::string& cursor, size_t limit,
    const std::function<bool(const order_summary&)>& match,
    const std::function<void(order_summary&)>& shape) const {
  auto after = parse_cursor(cursor);
  if (!after)
    return std::move(after).error();
  std::shared_lock guard{mutex_};
  list_page<order_summary> out;
  auto found = index.find(std::string{owner});
  if (found == index.end())
    return out;
  out.next_cursor = walk_page(
      found->second, true, *after, limit,
      [&](const sort_entry& entry) { return match(orders_.at(entry.second)); },
      [&](const sort_entry& entry) {
        auto order = orders_.at(entry.second);
        shape(order);
        out.items.push_back(std::move(order));
      });
  return out;
}

expected<list_page<order_summary>>
order_history::buyer_orders(std::string_view buyer_id,
                            std::optional<std::string> status,
                            const std::string& cursor, size_t limit) const {
  return page(
      by_buyer_, buyer_id, cursor, limit,
      [&](const order_summary& order) {
        return !status || order.status == *status;
      },
      [](order_summary&) {});
}

expected<list_page<order_summary>>
order_history::seller_orders(std::string_view seller_id,
                             const std::string& cursor, size_t limit) const {
  return page(
      by_seller_, seller_id, cursor, limit,
      [](const order_summary&) { return true; },
      [&](order_summary& order) {
        // The buyer and other sellers' lines are not this seller's to see.
        std::erase_if(order.lines,
                      [&](auto& line) { return line.seller_id != seller_id; });
        order.buyer_id.clear();
      });
}

bool order_history::received(std::string_view buyer_id,
                             std::string_view product_id) const {
  std::shared_lock guard{mutex_};
  auto found = by_buyer_.find(std::string{buyer_id});
  if (found == by_buyer_.end())
    return false;
  for (auto& [at, order_id] : found->second) {
    auto& order = orders_.at(order_id);
    if (order.status != "delivered")
      continue;
    for (auto& line : order.lines)
      if (line.product_id == product_id)
        return true;
  }
  return false;
}

} // namespace tillroll
