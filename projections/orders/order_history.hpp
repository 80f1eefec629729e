// The order read model: a buyer's orders newest first with a status
// filter, a seller's order lines for their products, and each order's
// status history, from the orders' events.
#pragma once

#include "events/order_events.hpp"
#include "projections/cursor.hpp"
#include "projections/projection.hpp"

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace tillroll {

struct order_history_entry {
  std::string status;
  int64_t at_us = 0;
  template <class Archive> void serialize(Archive& archive) {
    archive(status, at_us);
  }
};

struct order_summary {
  std::string order_id;
  std::string buyer_id;
  std::string status;
  std::string currency;
  int64_t total_cents = 0;
  int64_t refunded_cents = 0;
  int64_t placed_at_us = 0;
  std::vector<order_line> lines;
  std::vector<order_history_entry> history;
  template <class Archive> void serialize(Archive& archive) {
    archive(order_id, buyer_id, status, currency, total_cents, refunded_cents,
            placed_at_us, lines, history);
  }
};

class order_history final : public projection {
public:
  std::string_view name() const override { return "orders"; }
  expected<void> load_entry(std::string_view key,
                            std::string_view value) override;
  expected<void> apply(const recorded_event& event,
                       projection_writer& changes) override;
  void reset() override;

  std::optional<order_summary> order(std::string_view order_id) const;
  /// Fails with invalid_argument on a malformed cursor.
  [[nodiscard]] expected<list_page<order_summary>>
  buyer_orders(std::string_view buyer_id, std::optional<std::string> status,
               const std::string& cursor, size_t limit) const;
  /// The seller's orders newest first, each with only the seller's lines.
  [[nodiscard]] expected<list_page<order_summary>>
  seller_orders(std::string_view seller_id, const std::string& cursor,
                size_t limit) const;
  /// Whether the buyer has a delivered order with the product.
  bool received(std::string_view buyer_id, std::string_view product_id) const;

private:
  void index(const order_summary& order);
  /// A page of an owner's orders, newest first, from `index`.
  expected<list_page<order_summary>>
  page(const std::unordered_map<std::string, std::set<sort_entry>>& index,
       std::string_view owner, const std::string& cursor, size_t limit,
       const std::function<bool(const order_summary&)>& match,
       const std::function<void(order_summary&)>& shape) const;

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, order_summary> orders_;
  std::unordered_map<std::string, std::set<sort_entry>> by_buyer_;
  std::unordered_map<std::string, std::set<sort_entry>> by_seller_;
};

} // namespace tillroll
