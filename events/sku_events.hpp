// Every event of a SKU's stream (`sku-<sku>`): stock received and removed,
// prices, reservations and their end. Type ids 100-199 belong to SKUs and
// never change; a new version of an event comes with an upcaster below.
#pragma once

#include "events/described.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace tillroll {

class upcaster_registry;

/// A SKU listed for a product of a seller.
struct sku_registered {
  static constexpr uint32_t type_id = 100;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "sku_registered";
  std::string product_id;
  std::string seller_id;
  int64_t price_cents = 0;
  std::string currency;
};
BOOST_DESCRIBE_STRUCT(sku_registered, (),
                      (product_id, seller_id, price_cents, currency))

struct stock_received {
  static constexpr uint32_t type_id = 101;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "stock_received";
  int64_t quantity = 0;
};
BOOST_DESCRIBE_STRUCT(stock_received, (), (quantity))

struct stock_removed {
  static constexpr uint32_t type_id = 102;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "stock_removed";
  int64_t quantity = 0;
};
BOOST_DESCRIBE_STRUCT(stock_removed, (), (quantity))

/// Version 1, before prices carried their currency (always USD then).
struct price_set_v1 {
  static constexpr uint32_t type_id = 103;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "price_set";
  int64_t price_cents = 0;
};
BOOST_DESCRIBE_STRUCT(price_set_v1, (), (price_cents))

struct price_set {
  static constexpr uint32_t type_id = 103;
  static constexpr uint16_t version = 2;
  static constexpr std::string_view name = "price_set";
  int64_t price_cents = 0;
  std::string currency;
};
BOOST_DESCRIBE_STRUCT(price_set, (), (price_cents, currency))

struct stock_reserved {
  static constexpr uint32_t type_id = 104;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "stock_reserved";
  std::string order_id;
  int64_t quantity = 0;
  /// Microseconds since the Unix epoch.
  int64_t expires_at_us = 0;
};
BOOST_DESCRIBE_STRUCT(stock_reserved, (), (order_id, quantity, expires_at_us))

/// Payment succeeded: the reservation becomes a sale.
struct reservation_confirmed {
  static constexpr uint32_t type_id = 105;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "reservation_confirmed";
  std::string order_id;
};
BOOST_DESCRIBE_STRUCT(reservation_confirmed, (), (order_id))

/// Payment declined or order cancelled: the stock goes back.
struct reservation_released {
  static constexpr uint32_t type_id = 106;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "reservation_released";
  std::string order_id;
};
BOOST_DESCRIBE_STRUCT(reservation_released, (), (order_id))

/// The reservation's TTL passed before confirmation: the stock goes back.
struct reservation_expired {
  static constexpr uint32_t type_id = 107;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "reservation_expired";
  std::string order_id;
};
BOOST_DESCRIBE_STRUCT(reservation_expired, (), (order_id))

/// A payment in flight holds the stock longer.
struct reservation_extended {
  static constexpr uint32_t type_id = 108;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "reservation_extended";
  std::string order_id;
  int64_t expires_at_us = 0;
};
BOOST_DESCRIBE_STRUCT(reservation_extended, (), (order_id, expires_at_us))

/// A sold order was cancelled: its units are back on hand.
/// Version 1, before a return carried when it was decided.
struct sale_returned_v1 {
  static constexpr uint32_t type_id = 109;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "sale_returned";
  std::string order_id;
  int64_t quantity = 0;
};
BOOST_DESCRIBE_STRUCT(sale_returned_v1, (), (order_id, quantity))

struct sale_returned {
  static constexpr uint32_t type_id = 109;
  static constexpr uint16_t version = 2;
  static constexpr std::string_view name = "sale_returned";
  std::string order_id;
  int64_t quantity = 0;
  /// When it was decided (microseconds since the epoch): the SKU remembers
  /// the return from then, not from its last hold, which may be long past,
  /// so a retried restore soon after finds it and returns nothing twice.
  /// 0 in version 1.
  int64_t at_us = 0;
};
BOOST_DESCRIBE_STRUCT(sale_returned, (), (order_id, quantity, at_us))

/// The SKU's product was delisted: it is no longer sold.
struct sku_withdrawn {
  static constexpr uint32_t type_id = 110;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "sku_withdrawn";
};
BOOST_DESCRIBE_STRUCT(sku_withdrawn, (), ())

/// A stock change made under the seller's idempotency key, written in the
/// same append as its stock_received or stock_removed, so a retry with the
/// key changes nothing.
struct stock_change_keyed {
  static constexpr uint32_t type_id = 111;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "stock_change_keyed";
  std::string idempotency_key;
  int64_t delta = 0;
  int64_t at_us = 0;
};
BOOST_DESCRIBE_STRUCT(stock_change_keyed, (), (idempotency_key, delta, at_us))

/// Units handed to a flash sale (stream `flash_sale-<sale_id>`), which
/// sells them from then on: ordinary checkouts can no longer take them.
struct stock_set_aside {
  static constexpr uint32_t type_id = 112;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "stock_set_aside";
  std::string sale_id;
  int64_t quantity = 0;
};
BOOST_DESCRIBE_STRUCT(stock_set_aside, (), (sale_id, quantity))

/// A flash sale gave back units it will not sell: `quantity` more, for
/// `total` given back by that sale so far (a retry of a total already
/// recorded changes nothing).
struct set_aside_returned {
  static constexpr uint32_t type_id = 113;
  static constexpr uint16_t version = 1;
  static constexpr std::string_view name = "set_aside_returned";
  std::string sale_id;
  int64_t quantity = 0;
  int64_t total = 0;
};
BOOST_DESCRIBE_STRUCT(set_aside_returned, (), (sale_id, quantity, total))

using sku_event =
    std::variant<sku_registered, stock_received, stock_removed, price_set,
                 stock_reserved, reservation_confirmed, reservation_released,
                 reservation_expired, reservation_extended, sale_returned,
                 sku_withdrawn, stock_change_keyed, stock_set_aside,
                 set_aside_returned>;

/// price_set v1 -> v2: prices before v2 were US dollars.
void register_sku_upcasters(upcaster_registry& registry);

} // namespace tillroll
