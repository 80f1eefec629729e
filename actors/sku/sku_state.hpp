// A SKU's inventory as a decider: commands, state, and the two pure
// functions `decide` and `apply`. The SKU actor is the single writer of its
// stock, so no locks: sold + reserved never exceeds what was received.
// No CAF or RocksDB here; time comes in as a parameter.
#pragma once

#include "actors/caller.hpp"
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
/// Longest hold a reservation or an extension may ask for.
inline constexpr std::chrono::hours reservation_ttl_max{1};
/// Most reservations one timer tick expires; the rest go on the next tick,
/// which follows at once, so one command's events stay bounded.
inline constexpr size_t expirations_per_command_max = 256;
/// How long a SKU remembers an order whose hold ended (sold, released,
/// expired or returned), so that a retried saga step changes nothing. It
/// is counted on the SKU's own clock, the newest hold expiry it has seen,
/// so that apply stays a pure function of the events; an order is
/// remembered from its hold's expiry. A saga retries a step within
/// seconds, a restart resumes it at once, and the SKU's clock stands still
/// while the node is down: half an hour past the hold is ample. So a hot
/// SKU remembers its last half hour of orders, not every order it ever
/// sold; a cancellation after that returns the quantity the order states.
inline constexpr std::chrono::minutes sku_order_memory{30};
/// Longest seller idempotency key for a stock change.
inline constexpr size_t stock_change_key_size_max = 64;
/// How long, and how many, stock-change keys a SKU remembers: a seller
/// retrying a change within a day with the same key changes stock once.
inline constexpr std::chrono::hours stock_change_key_retention{24};
inline constexpr size_t stock_change_keys_max = 10'000;

struct sku_reservation {
  int64_t quantity = 0;
  int64_t expires_at_us = 0;
  template <class Archive> void serialize(Archive& archive) {
    archive(quantity, expires_at_us);
  }
};

/// Most flash sales one SKU ever hands stock to; each is remembered so
/// that a retried hand-back changes stock once.
inline constexpr size_t sku_flash_sales_max = 1'000;

/// Units handed to one flash sale, and how many it gave back so far.
struct sku_set_aside {
  int64_t quantity = 0;
  int64_t returned = 0;
  template <class Archive> void serialize(Archive& archive) {
    archive(quantity, returned);
  }
};

/// A quantity remembered with the time it is remembered from.
struct sku_remembered {
  int64_t quantity = 0;
  int64_t at_us = 0;
  template <class Archive> void serialize(Archive& archive) {
    archive(quantity, at_us);
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
  /// The product was delisted: no new reservations.
  bool withdrawn = false;
  std::map<std::string, sku_reservation> reservations;
  /// The open reservations by expiry, so the timer finds the next one
  /// without a scan: a hot SKU holds thousands.
  std::set<std::pair<int64_t, std::string>> expiries;
  /// Orders whose reservation became a sale, with the quantity sold; kept
  /// for `sku_order_memory` so a retried confirm changes nothing twice.
  std::map<std::string, sku_remembered> confirmed_orders;
  /// Orders whose reservation was released, expired or returned, with the
  /// time they are remembered from.
  std::map<std::string, int64_t> ended_orders;
  /// Confirmed and ended orders by the time they are remembered from, so
  /// the oldest are forgotten without a scan.
  std::set<std::pair<int64_t, std::string>> remembered;
  /// The SKU's clock: the newest hold expiry it has seen.
  int64_t clock_us = 0;
  /// Stock changes by the seller's idempotency key: the delta and when.
  std::map<std::string, sku_remembered> stock_change_keys;
  std::set<std::pair<int64_t, std::string>> stock_change_keys_by_time;
  /// Flash sales by id, with the units handed to each.
  std::map<std::string, sku_set_aside> set_asides;
  /// Units handed to flash sales and not given back: theirs to sell.
  int64_t set_aside = 0;

  int64_t available() const noexcept {
    return received - sold - reserved - set_aside;
  }

  template <class Archive> void serialize(Archive& archive) {
    archive(registered, product_id, seller_id, received, sold, reserved,
            price_cents, currency, withdrawn, reservations, expiries,
            confirmed_orders, ended_orders, remembered, clock_us,
            stock_change_keys, stock_change_keys_by_time, set_asides,
            set_aside);
  }
};

struct register_sku {
  std::string product_id;
  std::string seller_id;
  int64_t price_cents = 0;
  std::string currency;
  int64_t initial_stock = 0;
};

/// Receives (delta > 0) or removes (delta < 0) stock; only the SKU's
/// seller may. With an idempotency key, a retry changes stock once.
struct adjust_stock {
  int64_t delta = 0;
  caller requested_by;
  std::string idempotency_key;
};

/// A new price from the SKU's own product and seller, and no one else;
/// the currency stays the one the SKU was registered with.
struct set_price {
  int64_t price_cents = 0;
  std::string currency;
  std::string product_id;
  std::string seller_id;
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

/// A cancelled order's sold units come back. `quantity` is what the order
/// bought here, used once the SKU no longer remembers the order.
struct return_sale {
  std::string order_id;
  int64_t quantity = 0;
};

/// A cancelled order's stock comes back, whatever became of it here: a
/// hold is released, a sale returned (also one the order never learnt of,
/// say a confirm that landed as the order was cancelled). `sold`: the
/// order knows the line sold, so a sale the SKU no longer remembers is
/// returned with the order's `quantity`.
struct restore_stock {
  std::string order_id;
  int64_t quantity = 0;
  bool sold = false;
};

/// Hands `quantity` units to the flash sale `sale_id`; again for the same
/// sale and quantity changes nothing.
struct set_aside_stock {
  std::string sale_id;
  int64_t quantity = 0;
};

/// The flash sale `sale_id` has given back `total` units so far.
struct take_back_set_aside {
  std::string sale_id;
  int64_t total = 0;
};

/// The SKU's product was delisted.
struct withdraw_sku {
  std::string product_id;
};

/// Issued by the SKU's timer: ends every reservation past its expiry.
struct expire_reservations {};

struct get_sku {};

using sku_command =
    std::variant<register_sku, adjust_stock, set_price, reserve_stock,
                 confirm_reservation, release_reservation, extend_reservation,
                 return_sale, restore_stock, expire_reservations, withdraw_sku,
                 set_aside_stock, take_back_set_aside, get_sku>;

/// What a SKU command answers: the levels after it.
struct sku_view {
  std::string product_id;
  std::string seller_id;
  int64_t received = 0;
  int64_t sold = 0;
  int64_t reserved = 0;
  int64_t available = 0;
  /// Units handed to flash sales and not given back.
  int64_t set_aside = 0;
  /// Received and not sold: what the seller holds, reserved or not.
  int64_t on_hand = 0;
  int64_t price_cents = 0;
  std::string currency;
  bool withdrawn = false;
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
  // 2: remembered orders carry their time; delisting; stock-change keys;
  // 3: flash sales' set-asides.
  static constexpr uint16_t snapshot_version = 3;
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
