// An order as a decider: the checkout saga's state machine. `decide`
// enforces the transitions of shared/API.md's statuses; `next_step` reads
// off the state what the saga must do next (reserve, charge, confirm,
// release, refund, ...), so that after any crash the same step is taken
// again; every step is idempotent, keyed by the order id.
#pragma once

#include "events/envelope.hpp"
#include "events/expected.hpp"
#include "events/order_events.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace tillroll {

inline constexpr size_t order_lines_max = 100;
inline constexpr int64_t order_line_quantity_max = 100;
inline constexpr size_t shipping_address_size_max = 4096;
/// How long the saga waits before asking the PSP again.
inline constexpr std::chrono::seconds payment_check_interval{2};
/// Most refunds one order may request; each is remembered with its key.
inline constexpr size_t order_refunds_max = 100;
/// Longest refund Idempotency-Key.
inline constexpr size_t refund_key_size_max = 64;
/// A refund the PSP refuses is tried again after 250 ms, doubling up to a
/// minute; after `refund_attempts_max` refusals it is parked for an
/// operator (the audit and GET /v1/orders/{id} show it), and the stock
/// goes back regardless.
inline constexpr std::chrono::milliseconds refund_retry_delay_first{250};
inline constexpr std::chrono::seconds refund_retry_delay_max{60};
inline constexpr uint32_t refund_attempts_max = 5;

enum class order_status : uint8_t {
  none,
  created,
  payment_pending,
  payment_confirmed,
  fulfillment_processing,
  shipped,
  delivered,
  cancelled,
  refunded,
};

std::string_view to_string(order_status status) noexcept;

struct order_status_change {
  order_status status = order_status::none;
  int64_t at_us = 0;
  template <class Archive> void serialize(Archive& archive) {
    archive(status, at_us);
  }
};

struct order_state {
  order_status status = order_status::none;
  std::string buyer_id;
  std::string checkout_key;
  std::vector<order_line> lines;
  std::string currency;
  int64_t total_cents = 0;
  std::string payment_token;
  std::string shipping_address;
  std::vector<order_status_change> history;
  std::string cancel_reason;
  std::vector<std::string> short_skus;

  /// Stock is held (reserved, not yet confirmed or released).
  bool stock_held = false;
  /// Stock became sales.
  bool stock_sold = false;
  /// Reservation attempts may have left holds: release them.
  bool release_pending = false;
  /// Sold stock must go back (cancelled after confirmation).
  bool return_pending = false;
  bool payment_started = false;
  bool charged = false;
  std::string psp_reference;
  std::optional<int64_t> payment_check_at_us;
  /// The timer fired: ask the PSP now.
  bool payment_check_due = false;
  bool retry_charge = false;
  int64_t refunded_cents = 0;
  /// Refunds requested and not yet done, in order.
  std::vector<order_refund_requested> refunds_pending;
  uint32_t refunds_requested = 0;
  /// The saga clears the cart only for an order made from it.
  bool from_cart = true;
  /// When the order was placed (its key's age counts from here).
  int64_t placed_at_us = 0;
  /// Each line's fulfilment: fulfillment_processing, shipped, delivered
  /// (none before fulfilment starts). Lines are one per SKU.
  std::map<std::string, order_status> line_status;
  /// Lines that became sales when others' holds had ended.
  std::set<std::string> sold_skus;
  /// Refunds by their Idempotency-Key.
  std::map<std::string, order_refund_requested> refund_keys;
  /// The PSP refused the first pending refund this often.
  uint32_t refund_attempts = 0;
  std::optional<int64_t> refund_retry_at_us;
  std::string refund_failure;
  /// Refunds the PSP refused `refund_attempts_max` times.
  std::vector<order_refund_requested> refunds_parked;

  template <class Archive> void serialize(Archive& archive) {
    archive(status, buyer_id, checkout_key, lines, currency, total_cents,
            payment_token, shipping_address, history, cancel_reason, short_skus,
            stock_held, stock_sold, release_pending, return_pending,
            payment_started, charged, psp_reference, payment_check_at_us,
            payment_check_due, retry_charge, refunded_cents, refunds_pending,
            refunds_requested, from_cart, placed_at_us, line_status, sold_skus,
            refund_keys, refund_attempts, refund_retry_at_us, refund_failure,
            refunds_parked);
  }
};

/// A line a buyer asks for at checkout, before it has a price.
struct checkout_line {
  std::string sku;
  int64_t quantity = 0;
};

struct place_order {
  std::string buyer_id;
  std::string checkout_key;
  std::vector<order_line> lines;
  std::string currency;
  std::string payment_token;
  std::string shipping_address;
  /// The lines are the buyer's cart (see order_placed).
  bool from_cart = true;
  /// A placed order older than this answers `key_expired`.
  std::chrono::microseconds key_retention = std::chrono::hours{24};
};

/// From the saga: every line reserved, or the skus that were short.
struct record_reservation {
  std::vector<std::string> short_skus;
};
struct record_payment_started {};
/// A line's hold ended before the charge: the order is cancelled unpaid.
struct record_hold_lost {};
struct record_payment_outcome {
  enum class outcome : uint8_t { captured, declined, failed, pending };
  outcome result = outcome::pending;
  std::string psp_reference;
  /// When to ask the PSP again about a pending or failed charge: within
  /// the hold, whose extension comes with each check.
  std::chrono::microseconds check_after = payment_check_interval;
};
/// Every line confirmed, or `lost_skus` whose holds had ended.
struct record_stock_confirmed {
  std::vector<std::string> lost_skus;
};
/// Held lines released and sold lines returned.
struct record_stock_restored {};
struct record_refund_done {
  std::string refund_id;
};
struct record_refund_refused {
  std::string refund_id;
  std::string reason;
};
/// Issued by the timer when a refund's retry is due.
struct retry_refund {};
/// Admin: send the parked refunds to the PSP again.
struct unpark_refunds {};
/// The stock is sold and the cart cleared: fulfillment may begin.
struct begin_fulfillment {};
/// Issued by the timer when a payment check is due.
struct check_payment {};

/// From users: `by_admin` lifts the owner-only rules checked in http/.
struct cancel_order {
  bool by_admin = false;
};
/// The lines of `seller_id` move on; an empty seller (the admin) moves
/// every line.
struct ship_order {
  std::string seller_id;
};
struct deliver_order {
  std::string seller_id;
};
/// Admin: no amount refunds what is left; a retry with the same key
/// refunds once.
struct refund_order {
  std::optional<int64_t> amount_cents;
  std::string idempotency_key;
};
struct get_order {};

using order_command = std::variant<
    place_order, record_reservation, record_payment_started, record_hold_lost,
    record_payment_outcome, record_stock_confirmed, record_stock_restored,
    record_refund_done, record_refund_refused, retry_refund, unpark_refunds,
    begin_fulfillment, check_payment, cancel_order, ship_order, deliver_order,
    refund_order, get_order>;

struct order_view {
  std::string order_id;
  order_status status = order_status::none;
  std::string buyer_id;
  std::vector<order_line> lines;
  std::string currency;
  int64_t total_cents = 0;
  int64_t refunded_cents = 0;
  std::vector<order_status_change> history;
  std::string cancel_reason;
  std::vector<std::string> short_skus;
  std::map<std::string, order_status> line_status;
  std::vector<order_refund_requested> refunds_pending;
  std::vector<order_refund_requested> refunds_parked;
  std::string refund_failure;
};

/// The saga's next step, read off the state.
struct reserve_lines {};
/// Release what is held, return what is sold, line by line.
struct restore_lines {};
/// Persist that the charge is about to be sent.
struct start_payment {};
/// Ask the PSP what became of the charge and charge only if it knows of
/// none (or it failed transiently): after a crash, never a second charge.
struct charge_payment {};
struct confirm_lines {};
struct start_fulfillment {};
struct refund_payment {
  order_refund_requested refund;
};
using order_step =
    std::variant<reserve_lines, restore_lines, start_payment, charge_payment,
                 confirm_lines, start_fulfillment, refund_payment>;

/// Whether the line of `sku` became a sale.
bool line_sold(const order_state& state, const std::string& sku);

/// The payment's id: one per order, so the PSP key is the order's.
std::string payment_id_of(const order_state& state);

[[nodiscard]] expected<std::vector<order_event>>
decide(const order_state& state, const order_command& command, timestamp now);

void apply_event(order_state& state, const order_event& event);

/// The step the saga takes next, if any; `now` for due payment checks.
std::optional<order_step> next_step(const order_state& state, timestamp now);

/// Whether a checkout waiting on this order can be answered: it left the
/// placement and payment steps.
bool checkout_settled(const order_state& state);

struct order_entity {
  static constexpr std::string_view kind = "order";
  // 2: the state knows whether its lines came from the cart; 3: lines'
  // fulfilment, refund keys and retries.
  static constexpr uint16_t snapshot_version = 3;
  using state_type = order_state;
  using event_type = order_event;
  using command_type = order_command;
  using reply_type = order_view;

  static order_view reply(const order_state& state, const order_command&);
  static std::optional<timestamp> next_deadline(const order_state& state);
  static std::optional<order_command> on_deadline(const order_state& state,
                                                  timestamp now);
  static bool outcome_ready(const order_state& state) {
    return checkout_settled(state);
  }
  static bool pending_work(const order_state& state) {
    return next_step(state, timestamp{}).has_value();
  }
};

} // namespace tillroll
