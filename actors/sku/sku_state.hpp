// A SKU's inventory as a decider: commands, state, and the two pure
// functions `decide` and `apply`. The SKU actor is the single writer of its
// stock, so no locks: sold + reserved never exceeds what was received.
// No CAF or RocksDB here; time comes in as a parameter.
#pragma once

#include "events/envelope.hpp"
#include "events/expected.hpp"
#include "events/sku_events.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace tillroll {

/// Most units one reservation may hold.
inline constexpr int64_t reservation_quantity_max = 10'000;
/// Largest single stock change and largest stock level.
inline constexpr int64_t stock_quantity_max = 1'000'000'000;
/// Highest accepted price in minor units.
inline constexpr int64_t price_cents_max = 10'000'000'000;
/// Longest order id accepted in a reservation.
inline constexpr size_t order_id_size_max = 128;
inline constexpr std::chrono::minutes reservation_ttl_default{10};
/// Most reservations one timer tick expires; the rest go on the next tick,
/// which follows at once, so one command's events stay bounded.
inline constexpr size_t expirations_per_command_max = 256;

struct sku_reservation {
  int64_t quantity = 0;
  int64_t expires_at_us = 0;
  template <class Archive> void serialize(Archive& archive) {
    archive(quantity, expires_at_us);
  }
};

struct sku_state {
  bool registered = false;
  std::string product_id;
  std::string seller_id;
  /// Net stock brought in: received minus removed.
  int64_t received = 0;
  int64_t sold = 0;
  int64_t reserved = 0;
  int64_t price_cents = 0;
  std::string currency;
  std::map<std::string, sku_reservation> reservations;
  /// The open reservations by expiry, so the timer finds the next one
  /// without a scan: a hot SKU holds thousands.
  std::set<std::pair<int64_t, std::string>> expiries;
  /// Orders whose reservation became a sale, with the quantity sold; kept
  /// so a retried confirm changes nothing twice.
  std::map<std::string, int64_t> confirmed_orders;
  /// Orders whose reservation was released or expired.
  std::set<std::string> ended_orders;

  int64_t available() const noexcept { return received - sold - reserved; }

  template <class Archive> void serialize(Archive& archive) {
    archive(registered, product_id, seller_id, received, sold, reserved,
            price_cents, currency, reservations, expiries, confirmed_orders,
            ended_orders);
  }
};

struct register_sku {
  std::string product_id;
  std::string seller_id;
  int64_t price_cents = 0;
  std::string currency;
  int64_t initial_stock = 0;
};

/// Receives (delta > 0) or removes (delta < 0) stock.
struct adjust_stock {
  int64_t delta = 0;
};

struct set_price {
  int64_t price_cents = 0;
  std::string currency;
};

struct reserve_stock {
  std::string order_id;
  int64_t quantity = 0;
  std::chrono::microseconds ttl = reservation_ttl_default;
};

struct confirm_reservation {
  std::string order_id;
};

struct release_reservation {
  std::string order_id;
};

struct extend_reservation {
  std::string order_id;
  std::chrono::microseconds ttl = reservation_ttl_default;
};

/// A cancelled order's sold units come back.
struct return_sale {
  std::string order_id;
};

/// Issued by the SKU's timer: ends every reservation past its expiry.
struct expire_reservations {};

struct get_sku {};

using sku_command =
    std::variant<register_sku, adjust_stock, set_price, reserve_stock,
                 confirm_reservation, release_reservation, extend_reservation,
                 return_sale, expire_reservations, get_sku>;

/// What a SKU command answers: the levels after it.
struct sku_view {
  std::string product_id;
  std::string seller_id;
  int64_t received = 0;
  int64_t sold = 0;
  int64_t reserved = 0;
  int64_t available = 0;
  int64_t price_cents = 0;
  std::string currency;
  /// For reserve and extend: when the order's hold ends.
  std::optional<int64_t> reservation_expires_at_us;
};

[[nodiscard]] expected<std::vector<sku_event>>
decide(const sku_state& state, const sku_command& command, timestamp now);

/// Total: every event the decider emits applies. Asserts the invariants.
void apply_event(sku_state& state, const sku_event& event);

sku_view view(const sku_state& state, const sku_command& command);

/// The earliest reservation expiry, if any reservation is open.
std::optional<timestamp> next_deadline(const sku_state& state);

/// The entity description the generic event-sourced actor is built from.
struct sku_entity {
  static constexpr std::string_view kind = "sku";
  /// Bumped whenever sku_state's serialized form changes.
  static constexpr uint16_t snapshot_version = 1;
  using state_type = sku_state;
  using event_type = sku_event;
  using command_type = sku_command;
  using reply_type = sku_view;

  static sku_view reply(const sku_state& state, const sku_command& command) {
    return view(state, command);
  }
  static std::optional<timestamp> next_deadline(const sku_state& state) {
    return tillroll::next_deadline(state);
  }
  static std::optional<sku_command> on_deadline(const sku_state& state,
                                                timestamp now);
};

} // namespace tillroll
