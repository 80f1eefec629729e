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
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace tillroll {

inline constexpr size_t order_lines_max = 100;
inline constexpr int64_t order_line_quantity_max = 100;
inline constexpr size_t shipping_address_size_max = 4096;
/// How long the saga waits before asking the PSP again.
inline constexpr std::chrono::seconds payment_check_interval{2};

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

  template <class Archive> void serialize(Archive& archive) {
    archive(status, buyer_id, checkout_key, lines, currency, total_cents,
            payment_token, shipping_address, history, cancel_reason, short_skus,
            stock_held, stock_sold, release_pending, return_pending,
            payment_started, charged, psp_reference, payment_check_at_us,
            payment_check_due, retry_charge, refunded_cents, refunds_pending,
            refunds_requested, from_cart);
  }
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
};

/// From the saga: every line reserved, or the skus that were short.
struct record_reservation {
  std::vector<std::string> short_skus;
};
struct record_payment_started {};
struct record_payment_outcome {
  enum class outcome : uint8_t { captured, declined, failed, pending };
  outcome result = outcome::pending;
  std::string psp_reference;
};
struct record_stock_confirmed {};
struct record_stock_released {};
struct record_stock_returned {};
struct record_refund_done {
  std::string refund_id;
};
/// The stock is sold and the cart cleared: fulfillment may begin.
struct begin_fulfillment {};
/// Issued by the timer when a payment check is due.
struct check_payment {};

/// From users: `by_admin` lifts the owner-only rules checked in http/.
struct cancel_order {
  bool by_admin = false;
};
struct ship_order {};
struct deliver_order {};
/// Admin: no amount refunds what is left.
struct refund_order {
  std::optional<int64_t> amount_cents;
};
struct get_order {};

using order_command = std::variant<
    place_order, record_reservation, record_payment_started,
    record_payment_outcome, record_stock_confirmed, record_stock_released,
    record_stock_returned, record_refund_done, begin_fulfillment, check_payment,
    cancel_order, ship_order, deliver_order, refund_order, get_order>;

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
};

/// The saga's next step, read off the state.
struct reserve_lines {};
struct release_lines {};
struct return_lines {};
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
using order_step = std::variant<reserve_lines, release_lines, return_lines,
                                start_payment, charge_payment, confirm_lines,
                                start_fulfillment, refund_payment>;

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
  // 2: the state knows whether its lines came from the cart.
  static constexpr uint16_t snapshot_version = 2;
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
