// A flash sale as a decider: its terms, the waiting room and the units the
// SKU set aside for it. The sale is the single writer of those units: it
// holds and sells them as a SKU does its stock (an sku_state inside, run
// by the SKU's own decider), so the per-user limit, admission and what
// remains are decided in one place, without locks.
//
// The waiting room: a buyer's ticket is `<number>.<mac>`, the number its
// place in the order of issue and the mac the first 16 bytes, in hex, of
// HMAC-SHA-256 under the sale's ticket key of `<sale id>|<buyer id>|
// <number>`. Tickets issued before the start form the pre-queue, put in
// order at the start by the SHA-256 of the seed's 32 bytes followed by
// the ticket's text, lowest first (the seed's SHA-256 is published at
// creation, the seed at the start, so anyone can recompute the order);
// later tickets queue behind in order of issue. Waiting tickets are
// admitted in queue order at `admit_per_second`, only while units are
// left beyond those the admitted and unserved buyers may take.
// No CAF or RocksDB here; time comes in as a parameter.
#pragma once

#include "actors/caller.hpp"
#include "actors/sku/sku_state.hpp"
#include "events/envelope.hpp"
#include "events/expected.hpp"
#include "events/flash_sale_events.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace tillroll {

/// Most units one sale sells.
inline constexpr int64_t flash_sale_quantity_max = 1'000'000;
/// Most tickets one sale issues: its waiting room's size.
inline constexpr size_t flash_sale_tickets_max = 1'000'000;
inline constexpr int64_t flash_sale_admit_per_second_max = 10'000;
inline constexpr int64_t flash_sale_per_user_limit_max = 100;
inline constexpr int64_t admission_ttl_default_s = 300;
inline constexpr int64_t admission_ttl_min_s = 10;
inline constexpr int64_t admission_ttl_max_s = 3'600;
/// Longest a sale may run, and how far ahead it may be scheduled.
inline constexpr std::chrono::hours flash_sale_duration_max{24 * 30};
inline constexpr std::chrono::hours flash_sale_lead_max{24 * 365};
/// Most tickets one timer tick admits; the next tick follows at once.
inline constexpr int64_t admissions_per_command_max = 1'000;
/// Admission credit a quiet moment banks: at most a second's worth.
inline constexpr std::chrono::seconds admission_burst{1};

enum class sale_status : uint8_t {
  none,
  /// Created; the SKU has not yet set the quantity aside.
  allocating,
  /// The SKU refused the quantity.
  refused,
  scheduled,
  open,
  sold_out,
  ended,
};
std::string_view to_string(sale_status status) noexcept;

enum class ticket_status : uint8_t { waiting, admitted, expired, sold_out };
std::string_view to_string(ticket_status status) noexcept;

struct sale_ticket {
  std::string buyer_id;
  ticket_status status = ticket_status::waiting;
  /// 1-based place in the queue; 0 until the shuffle places it.
  uint32_t queue_number = 0;
  int64_t admitted_until_us = 0;
  /// Admitted, and the buyer holds no unit yet: a unit is kept for them.
  bool keeps_unit = false;
  int64_t issued_at_us = 0;
  template <class Archive> void serialize(Archive& archive) {
    archive(buyer_id, status, queue_number, admitted_until_us, keeps_unit,
            issued_at_us);
  }
};

struct flash_sale_state {
  sale_status status = sale_status::none;
  flash_sale_created terms;
  std::string product_id;
  std::string seller_id;
  std::string currency;
  flash_sale_refused refusal;
  std::vector<sale_ticket> tickets;
  std::map<std::string, uint32_t> ticket_of_buyer;
  /// Ticket numbers in queue order; admitted from `admitted_from_queue`.
  std::vector<uint32_t> queue;
  uint64_t admitted_from_queue = 0;
  /// Where in the queue selling out ended the waiting: they wait again
  /// from there if units come back.
  uint64_t sold_out_from = 0;
  int64_t waiting = 0;
  int64_t credit_from_us = 0;
  /// Live admissions by their end: (admitted until, ticket number).
  std::set<std::pair<int64_t, uint32_t>> admissions;
  /// Live admissions whose buyer holds nothing: each keeps a unit.
  int64_t units_kept = 0;
  int64_t admitted_total = 0;
  int64_t started_at_us = 0;
  int64_t last_admitted_at_us = 0;
  /// The admission rate as measured while tickets waited: admissions since
  /// the queue last had tickets waiting (none: 0), and the last whole
  /// such stretch's rate per second.
  int64_t backlog_since_us = 0;
  int64_t backlog_admitted = 0;
  double measured_rate = 0;
  /// The sale's units as a SKU's stock: received is the quantity less
  /// what went back; holds and sales by order.
  sku_state stock;
  /// Units each buyer holds or bought here.
  std::map<std::string, int64_t> buyer_units;
  /// Orders holding or owning units, with their buyer.
  std::map<std::string, std::string> order_buyer;
  /// Units given back to the SKU, decided, and acknowledged by it.
  int64_t given_back = 0;
  int64_t given_back_acknowledged = 0;

  /// Units neither sold nor held.
  int64_t remaining() const noexcept { return stock.available(); }

  template <class Archive> void serialize(Archive& archive) {
    archive(status, terms.sale_id, terms.sku, terms.quantity, terms.price_cents,
            terms.starts_at_us, terms.ends_at_us, terms.per_user_limit,
            terms.admit_per_second, terms.admission_ttl_s,
            terms.shuffle_commitment, terms.shuffle_seed, terms.ticket_key,
            terms.created_by, product_id, seller_id, currency, refusal.code,
            refusal.message, tickets, ticket_of_buyer, queue,
            admitted_from_queue, waiting, credit_from_us, admissions,
            units_kept, admitted_total, started_at_us, last_admitted_at_us,
            backlog_since_us, backlog_admitted, measured_rate, stock,
            buyer_units, order_buyer, given_back, given_back_acknowledged);
  }
};

struct get_sale {};

/// An admin's new sale, its terms as flash_sale_created records them; the
/// decider fills in `shuffle_commitment` and `created_by`. `shuffle_seed`
/// and `ticket_key` are 32 random bytes in hex each, drawn by the caller
/// (a CSPRNG), so the decider stays a pure function.
struct create_sale {
  caller who;
  flash_sale_created terms;
};

/// From the allocation step: the SKU's answer to set_aside_stock.
struct record_allocation {
  std::optional<sku_view> sku;
  failure refusal;
};

struct join_sale {
  std::string buyer_id;
};

/// A ticket as its holder reads it: refused for anyone else.
struct get_ticket {
  std::string buyer_id;
  std::string ticket;
};

/// The checks of a sale's checkout, changing nothing: the coordinator
/// asks before it places the order; `sale_reserve` decides them again.
struct check_admission {
  std::string buyer_id;
  std::string ticket;
  int64_t quantity = 0;
  /// The SKU asked for: the sale's, or the checkout is refused.
  std::string sku;
};

/// The order saga's hold of sale units.
struct sale_reserve {
  std::string order_id;
  std::string buyer_id;
  std::string ticket;
  int64_t quantity = 0;
  std::chrono::microseconds ttl = reservation_ttl_default;
};

/// The order saga's other stock steps (confirm, release, extend, restore),
/// as it sends them to a SKU.
struct sale_stock_step {
  sku_command step;
};

/// Issued by the sale's timer: the start, holds' and admissions' ends,
/// admissions, sold out, the end and what goes back, one kind per tick.
struct advance_sale {};

/// From the give-back step: the SKU took back `total` units.
struct record_give_back {
  int64_t total = 0;
};

using flash_sale_command =
    std::variant<get_sale, create_sale, record_allocation, join_sale,
                 get_ticket, check_admission, sale_reserve, sale_stock_step,
                 advance_sale, record_give_back>;

/// A ticket as its holder sees it.
struct ticket_view {
  std::string ticket;
  ticket_status status = ticket_status::waiting;
  /// Waiting tickets ahead plus one; none until the shuffle places it.
  std::optional<int64_t> position;
  std::optional<int64_t> queue_number;
  std::optional<int64_t> admitted_until_us;
  /// When it was issued: a join sent after that found it (200, not 201).
  int64_t issued_at_us = 0;
};

struct flash_sale_view {
  std::string id;
  sale_status status = sale_status::none;
  flash_sale_created terms;
  std::string product_id;
  std::string seller_id;
  std::string currency;
  flash_sale_refused refusal;
  int64_t remaining = 0;
  int64_t waiting = 0;
  /// Live admissions.
  int64_t admitted = 0;
  int64_t admitted_total = 0;
  int64_t sold = 0;
  int64_t held = 0;
  int64_t pre_queue = 0;
  /// Admissions per second while tickets waited, as measured; 0 before.
  double admission_rate = 0;
  std::optional<ticket_view> ticket;
};

[[nodiscard]] expected<std::vector<flash_sale_event>>
decide(const flash_sale_state& state, const flash_sale_command& command,
       timestamp now);
void apply_event(flash_sale_state& state, const flash_sale_event& event);
flash_sale_view view(const flash_sale_state& state,
                     const flash_sale_command& command);
std::optional<timestamp> next_deadline(const flash_sale_state& state);

/// The ticket text of ticket `number` of `buyer_id` in the sale.
std::string ticket_text(const flash_sale_created& terms,
                        const std::string& buyer_id, uint32_t number);

/// The pre-queue's order: the ticket numbers sorted by SHA-256(seed bytes
/// || ticket text), lowest first (ties, never seen, by number).
std::vector<uint32_t> shuffled_pre_queue(const flash_sale_state& state);

/// Seconds until a ticket is likely admitted, from its position and the
/// measured (or else the set) admission rate, and from the start.
int64_t estimated_wait_s(const flash_sale_view& sale, timestamp now);

struct flash_sale_entity {
  static constexpr std::string_view kind = "flash_sale";
  static constexpr uint16_t snapshot_version = 1;
  using state_type = flash_sale_state;
  using event_type = flash_sale_event;
  using command_type = flash_sale_command;
  using reply_type = flash_sale_view;

  static flash_sale_view reply(const flash_sale_state& state,
                               const flash_sale_command& command) {
    return view(state, command);
  }
  static std::optional<timestamp> next_deadline(const flash_sale_state& state) {
    return tillroll::next_deadline(state);
  }
  static std::optional<flash_sale_command>
  on_deadline(const flash_sale_state& state, timestamp now);
  /// The creation is answered once the SKU has set the units aside.
  static bool outcome_ready(const flash_sale_state& state) {
    return state.status != sale_status::allocating;
  }
  /// The allocation or a give-back is owed to the SKU.
  static bool pending_work(const flash_sale_state& state) {
    return state.status == sale_status::allocating ||
           state.given_back_acknowledged < state.given_back;
  }
};

} // namespace tillroll
