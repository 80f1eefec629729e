// Event formats are forever: a golden record for every (event type,
// version) proves that what was written still reads the same, through the
// upcasters where a type has moved on. Cereal's format is not promised
// stable across its versions; this is the guard.
//
// A new event type or version: run with TILLROLL_WRITE_FIXTURES=1 once to
// write its fixture, and commit it. Never rewrite an existing fixture.

#include "events/cart_events.hpp"
#include "events/codec.hpp"
#include "events/envelope.hpp"
#include "events/flash_sale_events.hpp"
#include "events/order_events.hpp"
#include "events/payment_events.hpp"
#include "events/product_events.hpp"
#include "events/sku_events.hpp"
#include "events/user_events.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace tillroll;

namespace {

std::string to_hex(std::string_view bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char byte : bytes) {
    out.push_back(digits[byte >> 4]);
    out.push_back(digits[byte & 15]);
  }
  return out;
}

std::string from_hex(std::string_view text) {
  std::string out;
  for (size_t index = 0; index + 1 < text.size(); index += 2)
    out.push_back(static_cast<char>(
        std::stoi(std::string{text.substr(index, 2)}, nullptr, 16)));
  return out;
}

template <class Event> recorded_event golden_record(const Event& event) {
  return recorded_event{
      "sku-GOLDEN-1",
      7,
      1234,
      Event::type_id,
      Event::version,
      timestamp{std::chrono::microseconds{1'790'000'000'000'000}},
      "correlation",
      "causation",
      encode_payload(event)};
}

template <class Variant = sku_event, class Event, class Current>
void check_fixture(const Event& written, const Current& expected) {
  auto path = std::filesystem::path{TILLROLL_COMPAT_DIR} /
              (std::string{Event::name} + "_v" +
               std::to_string(Event::version) + ".hex");
  auto bytes = encode_record(golden_record(written));
  if (std::getenv("TILLROLL_WRITE_FIXTURES") != nullptr &&
      !std::filesystem::exists(path))
    std::ofstream{path} << to_hex(bytes) << '\n';
  std::ifstream file{path};
  REQUIRE_MESSAGE(file.good(), "missing fixture " << path.string());
  std::string hex;
  file >> hex;
  auto stored = from_hex(hex);
  CHECK_MESSAGE(stored == bytes, "the encoding of " << Event::name << " v"
                                                    << Event::version
                                                    << " changed");
  auto record = decode_record(stored);
  REQUIRE(record);
  auto event = decode_event<Variant>(*record);
  REQUIRE(event);
  REQUIRE(std::holds_alternative<Current>(*event));
  CHECK(encode_payload(std::get<Current>(*event)) == encode_payload(expected));
}

} // namespace

TEST_CASE("every stored SKU event version still loads") {
  check_fixture(sku_registered{"product-1", "seller-1", 1999, "EUR"},
                sku_registered{"product-1", "seller-1", 1999, "EUR"});
  check_fixture(stock_received{50}, stock_received{50});
  check_fixture(stock_removed{3}, stock_removed{3});
  check_fixture(price_set{2500, "GBP"}, price_set{2500, "GBP"});
  check_fixture(stock_reserved{"order-9", 2, 1'790'000'600'000'000},
                stock_reserved{"order-9", 2, 1'790'000'600'000'000});
  check_fixture(reservation_confirmed{"order-9"},
                reservation_confirmed{"order-9"});
  check_fixture(reservation_released{"order-9"},
                reservation_released{"order-9"});
  check_fixture(reservation_expired{"order-9"}, reservation_expired{"order-9"});
  check_fixture(sale_returned_v1{"order-9", 2}, sale_returned{"order-9", 2, 0});
  check_fixture(sale_returned{"order-9", 2, 1'790'000'000'000'000},
                sale_returned{"order-9", 2, 1'790'000'000'000'000});
  check_fixture(reservation_extended{"order-9", 1'790'000'900'000'000},
                reservation_extended{"order-9", 1'790'000'900'000'000});
  check_fixture(sku_withdrawn{}, sku_withdrawn{});
  check_fixture(stock_change_keyed{"key-1", -4, 1'790'000'000'000'000},
                stock_change_keyed{"key-1", -4, 1'790'000'000'000'000});
  check_fixture(stock_set_aside{"fs-1", 40}, stock_set_aside{"fs-1", 40});
  check_fixture(set_aside_returned{"fs-1", 3, 7},
                set_aside_returned{"fs-1", 3, 7});
}

/// Writes and checks the fixture of a flash sale event, read back as itself.
template <class Event> void check_sale_fixture(const Event& event) {
  check_fixture<flash_sale_event>(event, event);
}

TEST_CASE("every stored flash sale event version still loads") {
  auto hex = std::string(64, 'a');
  check_sale_fixture(flash_sale_created{
      "fs-1", "TEE-S", 40, 999, 1'790'000'000'000'000, 1'790'003'600'000'000, 2,
      50, 300, hex, hex, hex, "admin"});
  check_sale_fixture(flash_sale_allocated{"product-1", "seller-1", "EUR"});
  check_sale_fixture(flash_sale_refused{"out_of_stock", "3 available"});
  check_sale_fixture(flash_sale_ticket_issued{"ann", 1'790'000'000'000'000});
  check_sale_fixture(flash_sale_started{1'790'000'000'000'000});
  check_sale_fixture(flash_sale_tickets_admitted{
      5, 1'790'000'300'000'000, 1'790'000'000'100'000, 1'790'000'000'000'000});
  check_sale_fixture(flash_sale_admissions_expired{1'790'000'300'000'000});
  check_sale_fixture(flash_sale_sold_out{1'790'000'100'000'000});
  check_sale_fixture(flash_sale_ended{1'790'003'600'000'000});
  check_sale_fixture(
      flash_sale_units_reserved{"order-9", "ann", 2, 1'790'000'600'000'000});
  check_sale_fixture(flash_sale_units_sold{"order-9"});
  check_sale_fixture(flash_sale_hold_released{"order-9"});
  check_sale_fixture(flash_sale_hold_expired{"order-9"});
  check_sale_fixture(
      flash_sale_hold_extended{"order-9", 1'790'000'900'000'000});
  check_sale_fixture(
      flash_sale_units_returned{"order-9", 2, 1'790'000'000'000'000});
  check_sale_fixture(flash_sale_units_given_back{12});
  check_sale_fixture(flash_sale_give_back_acknowledged{12});
  check_sale_fixture(flash_sale_reopened{1'790'000'200'000'000});
}

TEST_CASE("a price_set v1 record from before currencies loads as USD") {
  check_fixture(price_set_v1{1500}, price_set{1500, "USD"});
}

TEST_CASE("every stored payment event version still loads") {
  using payment = payment_event;
  check_fixture<payment>(
      payment_requested{"order-1", 2500, "EUR", "tok_visa", "fp", 17},
      payment_requested{"order-1", 2500, "EUR", "tok_visa", "fp", 17});
  check_fixture<payment>(payment_captured{"sim_1"}, payment_captured{"sim_1"});
  check_fixture<payment>(payment_declined{"no"}, payment_declined{"no"});
  check_fixture<payment>(payment_attempt_failed{"later"},
                         payment_attempt_failed{"later"});
  check_fixture<payment>(refund_recorded{"refund-1", 500, "sim_1_refund-1"},
                         refund_recorded{"refund-1", 500, "sim_1_refund-1"});
  ledger_transaction_recorded transaction{
      "capture",
      "EUR",
      {{"asset:psp_clearing", 2500}, {"revenue:sales", -2500}}};
  check_fixture<payment>(transaction, transaction);
}

TEST_CASE("every stored order event version still loads") {
  using order = order_event;
  order_placed_v1 placed_v1{
      "buyer-1", "key-1", {{"SKU-1", "product-1", "seller-1", 2, 1250}},
      "EUR",     2500,    "tok_visa",
      "{}"};
  order_placed placed{
      "buyer-1", "key-1", {{"SKU-1", "product-1", "seller-1", 2, 1250}},
      "EUR",     2500,    "tok_visa",
      "{}",      false};
  // A v1 order came from the cart.
  auto placed_from_cart = placed;
  placed_from_cart.from_cart = true;
  check_fixture<order>(placed_v1, placed_from_cart);
  check_fixture<order>(placed, placed);
  // A v1 reservation did not say how long its holds were made for.
  check_fixture<order>(order_stock_reserved_v1{}, order_stock_reserved{});
  check_fixture<order>(order_stock_reserved{600'000'000},
                       order_stock_reserved{600'000'000});
  check_fixture<order>(order_cancelled{"out_of_stock", {"SKU-1"}},
                       order_cancelled{"out_of_stock", {"SKU-1"}});
  check_fixture<order>(order_payment_started{"buyer-1-key-1"},
                       order_payment_started{"buyer-1-key-1"});
  check_fixture<order>(order_payment_captured{"sim_1"},
                       order_payment_captured{"sim_1"});
  check_fixture<order>(order_payment_check_scheduled{99, true},
                       order_payment_check_scheduled{99, true});
  check_fixture<order>(order_stock_confirmed{}, order_stock_confirmed{});
  check_fixture<order>(order_stock_released{}, order_stock_released{});
  check_fixture<order>(order_stock_returned{}, order_stock_returned{});
  check_fixture<order>(order_fulfillment_started{},
                       order_fulfillment_started{});
  check_fixture<order>(order_shipped{}, order_shipped{});
  check_fixture<order>(order_delivered{}, order_delivered{});
  // A v1 refund request had no idempotency key.
  check_fixture<order>(order_refund_requested_v1{"refund-1", 500},
                       order_refund_requested{"refund-1", 500, ""});
  check_fixture<order>(order_refund_requested{"refund-2", 700, "key-7"},
                       order_refund_requested{"refund-2", 700, "key-7"});
  check_fixture<order>(order_lines_shipped{{"SKU-1"}},
                       order_lines_shipped{{"SKU-1"}});
  check_fixture<order>(order_lines_delivered{{"SKU-1"}},
                       order_lines_delivered{{"SKU-1"}});
  check_fixture<order>(
      order_refund_retry_scheduled{"refund-1", "refused", 2, 99},
      order_refund_retry_scheduled{"refund-1", "refused", 2, 99});
  check_fixture<order>(order_refund_parked{"refund-1", "refused"},
                       order_refund_parked{"refund-1", "refused"});
  check_fixture<order>(order_refunds_unparked{}, order_refunds_unparked{});
  check_fixture<order>(order_stock_partly_confirmed{{"SKU-1"}},
                       order_stock_partly_confirmed{{"SKU-1"}});
  check_fixture<order>(order_flash_sale_joined{"fs-1", "0.abc"},
                       order_flash_sale_joined{"fs-1", "0.abc"});
  check_fixture<order>(order_queued{1'790'000'010'000'000},
                       order_queued{1'790'000'010'000'000});
  check_fixture<order>(order_dequeued{}, order_dequeued{});
  check_fixture<order>(order_refunded{"refund-1", 500},
                       order_refunded{"refund-1", 500});
  check_fixture<order>(order_notification{"shipped", "buyer-1", 5},
                       order_notification{"shipped", "buyer-1", 5});
}

TEST_CASE("every stored cart event version still loads") {
  using cart = cart_event;
  check_fixture<cart>(cart_item_set{"SKU-1", "product-1", 2, 99},
                      cart_item_set{"SKU-1", "product-1", 2, 99});
  check_fixture<cart>(cart_item_removed{"SKU-1", 99},
                      cart_item_removed{"SKU-1", 99});
  // A v1 clearing emptied the whole cart.
  check_fixture<cart>(cart_cleared_v1{"order-1"},
                      cart_cleared{"order-1", {}, true});
  check_fixture<cart>(cart_cleared{"order-2", {{"SKU-1", 2}}, false},
                      cart_cleared{"order-2", {{"SKU-1", 2}}, false});
  check_fixture<cart>(cart_expired{}, cart_expired{});
}

TEST_CASE("every stored product event version still loads") {
  using product = product_event;
  product_listed listed{"seller-1",
                        "Tee",
                        "Soft",
                        "Acme",
                        "apparel",
                        {{"material", "cotton"}},
                        {"https://img/1.jpg"},
                        {{"TEE-S", 1500, "EUR", {{"size", "S"}}, 10}},
                        42};
  check_fixture<product>(listed, listed);
  product_changed changed;
  changed.title = "Tee 2";
  changed.images = std::vector<std::string>{"https://img/2.jpg"};
  check_fixture<product>(changed, changed);
  check_fixture<product>(variant_price_changed{"TEE-S", 1700, "EUR"},
                         variant_price_changed{"TEE-S", 1700, "EUR"});
  check_fixture<product>(product_delisted{}, product_delisted{});
  check_fixture<product>(review_added{"ann", 5, "great", 7},
                         review_added{"ann", 5, "great", 7});
  check_fixture<product>(variants_registered{{"TAKEN"}},
                         variants_registered{{"TAKEN"}});
  check_fixture<product>(variant_price_synced{"TEE-S"},
                         variant_price_synced{"TEE-S"});
  check_fixture<product>(skus_withdrawn{}, skus_withdrawn{});
}

TEST_CASE("every stored user event version still loads") {
  user_registered registered{"ann@example.com", "$argon2id$v=19$m=65536",
                             "buyer", 7};
  check_fixture<user_event>(registered, registered);
}
