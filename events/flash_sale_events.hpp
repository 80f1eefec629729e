// Every event of a flash sale's stream (`flash_sale-<id>`): its terms, the
// units the SKU set aside for it, the waiting room (tickets, the shuffle,
// admissions) and the sale's own holds and sales, which it keeps as a SKU
// keeps its stock. Type ids 700-799 belong to flash sales and never change.
#pragma once

#include "events/described.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace tillroll {

/// An admin created the sale. The seed and the ticket key stay in the log:
/// the commitment is published at once, the seed at the start, the key
/// never (it signs the tickets).
struct flash_sale_created {
  static constexpr uint32_t type_id = 700;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_created";
  std::string sale_id;
  std::string sku;
  int64_t quantity = 0;
  int64_t price_cents = 0;
  int64_t starts_at_us = 0;
  int64_t ends_at_us = 0;
  int64_t per_user_limit = 0;
  int64_t admit_per_second = 0;
  int64_t admission_ttl_s = 0;
  /// Hex SHA-256 of the seed's 32 bytes.
  std::string shuffle_commitment;
  /// 64 hex characters; secret until the start.
  std::string shuffle_seed;
  /// 64 hex characters: the HMAC key of the sale's tickets.
  std::string ticket_key;
  std::string created_by;
};
BOOST_DESCRIBE_STRUCT(flash_sale_created, (),
                      (sale_id, sku, quantity, price_cents, starts_at_us,
                       ends_at_us, per_user_limit, admit_per_second,
                       admission_ttl_s, shuffle_commitment, shuffle_seed,
                       ticket_key, created_by))

/// The SKU set the quantity aside for the sale (its stock_set_aside).
struct flash_sale_allocated {
  static constexpr uint32_t type_id = 701;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_allocated";
  std::string product_id;
  std::string seller_id;
  std::string currency;
};
BOOST_DESCRIBE_STRUCT(flash_sale_allocated, (),
                      (product_id, seller_id, currency))

/// The SKU refused the quantity: the sale never opens.
struct flash_sale_refused {
  static constexpr uint32_t type_id = 702;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_refused";
  std::string code;
  std::string message;
};
BOOST_DESCRIBE_STRUCT(flash_sale_refused, (), (code, message))

/// A buyer joined the waiting room; the ticket's number is its place in
/// the order of issue.
struct flash_sale_ticket_issued {
  static constexpr uint32_t type_id = 703;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_ticket_issued";
  std::string buyer_id;
  int64_t at_us = 0;
};
BOOST_DESCRIBE_STRUCT(flash_sale_ticket_issued, (), (buyer_id, at_us))

/// The sale opened: the seed is revealed and the pre-queue shuffled by it.
struct flash_sale_started {
  static constexpr uint32_t type_id = 704;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_started";
  int64_t at_us = 0;
};
BOOST_DESCRIBE_STRUCT(flash_sale_started, (), (at_us))

/// The next `count` waiting tickets in queue order were admitted until
/// `admitted_until_us`; admission credit now accrues from `credit_from_us`.
struct flash_sale_tickets_admitted {
  static constexpr uint32_t type_id = 705;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_tickets_admitted";
  int64_t count = 0;
  int64_t admitted_until_us = 0;
  int64_t credit_from_us = 0;
  int64_t at_us = 0;
};
BOOST_DESCRIBE_STRUCT(flash_sale_tickets_admitted, (),
                      (count, admitted_until_us, credit_from_us, at_us))

/// Every admission that ran until `through_us` or before has expired.
struct flash_sale_admissions_expired {
  static constexpr uint32_t type_id = 706;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_admissions_expired";
  int64_t through_us = 0;
};
BOOST_DESCRIBE_STRUCT(flash_sale_admissions_expired, (), (through_us))

/// No unit is left or held: every waiting ticket is sold out.
struct flash_sale_sold_out {
  static constexpr uint32_t type_id = 707;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_sold_out";
  int64_t at_us = 0;
};
BOOST_DESCRIBE_STRUCT(flash_sale_sold_out, (), (at_us))

/// Units came back to a sold-out sale (a cancelled order's): it is open
/// again, and the tickets its selling out ended wait again in their places.
struct flash_sale_reopened {
  static constexpr uint32_t type_id = 717;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_reopened";
  int64_t at_us = 0;
};
BOOST_DESCRIBE_STRUCT(flash_sale_reopened, (), (at_us))

/// The sale's end passed: no more tickets, admissions or holds.
struct flash_sale_ended {
  static constexpr uint32_t type_id = 708;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_ended";
  int64_t at_us = 0;
};
BOOST_DESCRIBE_STRUCT(flash_sale_ended, (), (at_us))

/// An admitted buyer's order holds units of the sale.
struct flash_sale_units_reserved {
  static constexpr uint32_t type_id = 709;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_units_reserved";
  std::string order_id;
  std::string buyer_id;
  int64_t quantity = 0;
  int64_t expires_at_us = 0;
};
BOOST_DESCRIBE_STRUCT(flash_sale_units_reserved, (),
                      (order_id, buyer_id, quantity, expires_at_us))

/// The order paid: its hold became a sale.
struct flash_sale_units_sold {
  static constexpr uint32_t type_id = 710;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_units_sold";
  std::string order_id;
};
BOOST_DESCRIBE_STRUCT(flash_sale_units_sold, (), (order_id))

struct flash_sale_hold_released {
  static constexpr uint32_t type_id = 711;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_hold_released";
  std::string order_id;
};
BOOST_DESCRIBE_STRUCT(flash_sale_hold_released, (), (order_id))

struct flash_sale_hold_expired {
  static constexpr uint32_t type_id = 712;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_hold_expired";
  std::string order_id;
};
BOOST_DESCRIBE_STRUCT(flash_sale_hold_expired, (), (order_id))

struct flash_sale_hold_extended {
  static constexpr uint32_t type_id = 713;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_hold_extended";
  std::string order_id;
  int64_t expires_at_us = 0;
};
BOOST_DESCRIBE_STRUCT(flash_sale_hold_extended, (), (order_id, expires_at_us))

/// A cancelled order's sold units are the sale's again.
struct flash_sale_units_returned {
  static constexpr uint32_t type_id = 714;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_units_returned";
  std::string order_id;
  int64_t quantity = 0;
  int64_t at_us = 0;
};
BOOST_DESCRIBE_STRUCT(flash_sale_units_returned, (),
                      (order_id, quantity, at_us))

/// The sale ended: units it will not sell go back to the SKU,
/// `total` of them so far.
struct flash_sale_units_given_back {
  static constexpr uint32_t type_id = 715;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_units_given_back";
  int64_t total = 0;
};
BOOST_DESCRIBE_STRUCT(flash_sale_units_given_back, (), (total))

/// The SKU took back `total` units (its set_aside_returned).
struct flash_sale_give_back_acknowledged {
  static constexpr uint32_t type_id = 716;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "flash_sale_give_back_acknowledged";
  int64_t total = 0;
};
BOOST_DESCRIBE_STRUCT(flash_sale_give_back_acknowledged, (), (total))

using flash_sale_event = std::variant<
    flash_sale_created, flash_sale_allocated, flash_sale_refused,
    flash_sale_ticket_issued, flash_sale_started, flash_sale_tickets_admitted,
    flash_sale_admissions_expired, flash_sale_sold_out, flash_sale_ended,
    flash_sale_units_reserved, flash_sale_units_sold, flash_sale_hold_released,
    flash_sale_hold_expired, flash_sale_hold_extended,
    flash_sale_units_returned, flash_sale_units_given_back,
    flash_sale_give_back_acknowledged, flash_sale_reopened>;

} // namespace tillroll
