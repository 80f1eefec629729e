// An order as a decider: the checkout saga's state machine. `decide`
// enforces the transitions of shared/API.md's statuses; `next_step` reads
// off the state what the saga must do next (reserve, charge, confirm,
// release, refund, ...), so that after any crash the same step is taken
// again; every step is idempotent, keyed by the order id.
#pragma once

#include "actors/caller.hpp"
#include "events/envelope.hpp"
#include "events/expected.hpp"
#include "events/order_events.hpp"
#include "events/payment_outcome.hpp"

#include <boost/describe.hpp>

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

/// Where the checkout saga is. The decider switches on it and `next_step`
/// reads the saga's next step off it; what it implies (stock held, the
/// payment under way, a release or return owed) is not kept beside it.
enum class order_phase : uint8_t {
  none,
  /// Placed: every line asks its SKU for a hold (status created).
  reserving,
  /// Every line held: the payment is recorded as starting.
  reserved,
  /// The payment is under way: the order asks its payment to charge, now
  /// or at `payment_check_at_us`; a restart asks the PSP before charging.
  charging,
  /// Paid: each line's hold becomes a sale.
  confirming,
  /// Every line sold: the cart is cleared, then fulfilment begins.
  sold,
  /// Fulfilment began; sellers ship and deliver their lines.
  fulfilling,
  /// Cancelled: held lines are released, sold lines returned.
  restoring,
  /// Cancelled, and every line's stock is back.
  closed,
};

std::string_view to_string(order_phase phase) noexcept;

struct order_state {
  order_status status = order_status::none;
  order_phase phase = order_phase::none;
  /// The order as placed: buyer, key, lines with their prices, total,
  /// payment token, address and whether it came from the cart.
  order_placed placed;
  std::vector<order_status_change> history;
  std::string cancel_reason;
  std::vector<std::string> short_skus;
  /// The payment the charge went to, from the moment it started: a charge
  /// may be on its way from then on, so a later capture is taken (and
  /// refunded if the order was cancelled meanwhile).
  std::string payment_id;
  /// The capture's PSP reference, once the order is charged.
  std::optional<std::string> psp_reference;
  /// When the saga asks its payment again; none while charging: now.
  std::optional<int64_t> payment_check_at_us;
  int64_t refunded_cents = 0;
  /// Refunds requested and not yet done, in order.
  std::vector<order_refund_requested> refunds_pending;
  uint32_t refunds_requested = 0;
  /// When the order was placed (its key's age counts from here).
  int64_t placed_at_us = 0;
  /// Each line's fulfilment: fulfillment_processing, shipped, delivered
  /// (none before fulfilment starts). Lines are one per SKU.
  std::map<std::string, order_status> line_status;
  /// The lines that are sales now (all of them once confirmed, some when
  /// others' holds had ended); a return empties it.
  std::set<std::string> sold_skus;
  /// Refunds by their Idempotency-Key.
  std::map<std::string, order_refund_requested> refund_keys;
  /// The PSP refused the first pending refund this often.
  uint32_t refund_attempts = 0;
  std::optional<int64_t> refund_retry_at_us;
  std::string refund_failure;
  /// Refunds the PSP refused `refund_attempts_max` times.
  std::vector<order_refund_requested> refunds_parked;
  /// The flash sale the order buys from, with the buyer's ticket; empty
  /// for an ordinary order.
  order_flash_sale_joined flash_sale;
  /// Queued: the saga waits for its turn, at the latest until then.
  std::optional<int64_t> queued_until_us;
  /// The TTL the holds were made for (order_stock_reserved); 0: unknown.
  int64_t hold_ttl_us = 0;

  template <class Archive> void serialize(Archive& archive) {
    archive(status, phase, placed, history, cancel_reason, short_skus,
            payment_id, psp_reference, payment_check_at_us, refunded_cents,
            refunds_pending, refunds_requested, placed_at_us, line_status,
            sold_skus, refund_keys, refund_attempts, refund_retry_at_us,
            refund_failure, refunds_parked, flash_sale.sale_id,
            flash_sale.ticket, queued_until_us, hold_ttl_us);
  }
};

BOOST_DESCRIBE_ENUM(order_status, none, created, payment_pending,
                    payment_confirmed, fulfillment_processing, shipped,
                    delivered, cancelled, refunded)
BOOST_DESCRIBE_ENUM(order_phase, none, reserving, reserved, charging,
                    confirming, sold, fulfilling, restoring, closed)
BOOST_DESCRIBE_STRUCT(order_status_change, (), (status, at_us))
BOOST_DESCRIBE_STRUCT(order_state, (),
                      (status, phase, placed, history, cancel_reason,
                       short_skus, payment_id, psp_reference,
                       payment_check_at_us, refunded_cents, refunds_pending,
                       refunds_requested, placed_at_us, line_status, sold_skus,
                       refund_keys, refund_attempts, refund_retry_at_us,
                       refund_failure, refunds_parked, flash_sale,
                       queued_until_us, hold_ttl_us))

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
  /// A flash sale's id and the buyer's ticket; empty for an ordinary order.
  std::string flash_sale_id;
  std::string flash_sale_ticket;
  /// The checkout queue's: the saga waits its turn, at most this long.
  std::optional<std::chrono::microseconds> queue_for;
};

/// The checkout queue's: a queued order's turn came.
struct admit_order {};

/// From the saga: every line reserved, or the skus that were short and
/// why (out_of_stock, or a flash sale's not_admitted, per_user_limit,
/// sold_out or sale_ended).
struct record_reservation {
  std::vector<std::string> short_skus;
  std::string reason = "out_of_stock";
  /// The TTL the holds were asked for.
  std::chrono::microseconds hold_ttl{0};
};
struct record_payment_started {};
/// A line's hold ended before the charge: the order is cancelled unpaid.
struct record_hold_lost {};
/// What the order's payment answered for the charge.
struct record_payment_outcome {
  payment_outcome result = payment_outcome::pending;
  std::string psp_reference;
  /// When to ask the PSP again about a pending or failed charge: within
  /// the hold, whose extension comes with each check.
  std::chrono::microseconds check_after = payment_check_interval;
};
/// Every line confirmed, or `lost_skus` whose holds had ended.
struct record_stock_confirmed {
  std::vector<std::string> lost_skus;
};
/// The charge was captured and then every line confirmed, or `lost_skus`
/// whose holds had ended: the two in one append. The lines are confirmed
/// before the order records the capture; after a crash between the two,
/// the charge step asks the PSP again (which charges nothing new) and
/// confirms again (which the SKU takes once).
struct record_sale {
  std::string psp_reference;
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
/// The stock is sold and the cart cleared: fulfillment may begin.
struct begin_fulfillment {};
/// Issued by the timer when a payment check is due.
struct check_payment {};

// From users: each names its caller, and the decider answers `forbidden`
// ("not your order") to one the order's rules do not allow (authorize in
// order_state.cpp).

/// The buyer or the admin.
struct cancel_order {
  caller who;
};
/// A seller's own lines move on; the admin's moves every line.
struct ship_order {
  caller who;
};
struct deliver_order {
  caller who;
};
/// Admin: no amount refunds what is left; a retry with the same key
/// refunds once.
struct refund_order {
  std::optional<int64_t> amount_cents;
  std::string idempotency_key;
  caller who;
};
/// The buyer or the admin.
struct get_order {
  caller who;
};
/// Admin: send the parked refunds to the PSP again.
struct unpark_refunds {
  caller who;
};

using order_command =
    std::variant<place_order, record_reservation, record_payment_started,
                 record_hold_lost, record_payment_outcome,
                 record_stock_confirmed, record_sale, record_stock_restored,
                 record_refund_done, record_refund_refused, retry_refund,
                 unpark_refunds, begin_fulfillment, check_payment, cancel_order,
                 ship_order, deliver_order, refund_order, get_order,
                 admit_order>;

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
/// The holds are extended first unless they are known to outlast the
/// charge (holds_outlast_charge).
struct charge_payment {
  bool extend_holds = true;
};
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

/// The order id of a buyer's checkout: one per idempotency key, so a
/// retried checkout finds the same order.
std::string order_id_for(std::string_view buyer_id, std::string_view key);

/// The payment's id: the order's own id, so the PSP's idempotency key is
/// the order's and a retried checkout can never charge twice.
std::string payment_id_of(const order_state& state);

/// The order's command for its payment's answer to the charge step:
/// `answer` is the PSP's outcome as the payment recorded it; with the
/// holds ended, a charge that failed or never was cancels the order.
order_command payment_answered(payment_outcome answer,
                               std::string psp_reference, bool holds_live,
                               std::chrono::microseconds check_after);

/// Whether a charge's answer is taken into the sale: captured with the
/// holds live while the order is still charging, the lines are confirmed
/// before anything is recorded, and the capture and the sale are recorded
/// together (record_sale).
bool captured_into_sale(const order_state& state, payment_outcome answer,
                        bool holds_live);

/// The order's command for its payment's answer to a refund.
order_command refund_answered(const order_refund_requested& refund,
                              payment_outcome answer, std::string reason);

[[nodiscard]] expected<std::vector<order_event>>
decide(const order_state& state, const order_command& command, timestamp now);

void apply_event(order_state& state, const order_event& event);

/// The step the saga takes next, if any; `now` for due payment checks.
std::optional<order_step> next_step(const order_state& state, timestamp now);

/// Whether every hold is sure to live on for half its TTL from `now`: the
/// holds were made after placement for `hold_ttl_us`, and less than half
/// of that has gone by. A charge then needs no extension first, which
/// saves each line's SKU an append per checkout.
bool holds_outlast_charge(const order_state& state, timestamp now);

/// Whether a checkout waiting on this order can be answered: it left the
/// placement and payment steps.
bool checkout_settled(const order_state& state);

struct order_entity {
  static constexpr std::string_view kind = "order";
  // 2: the state knows whether its lines came from the cart; 3: lines'
  // fulfilment, refund keys and retries; 4: the saga's phase, the placed
  // order held whole; 5: the flash sale an order buys from, queueing;
  // 6: the holds' TTL.
  static constexpr uint16_t snapshot_version = 6;
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
