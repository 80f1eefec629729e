// The order history read model: a buyer's orders, a seller's lines, and
// an order's status history.
#include "projections/orders/order_history.hpp"

#include <doctest/doctest.h>

#include "../support/shop_fixture.hpp"

using namespace tillroll;

TEST_CASE_FIXTURE(
    test::fixed_catalog_shop,
    "order history lists a buyer's orders newest first and a seller's "
    "own lines") {
  REQUIRE(store.checkout(test::one_unit("b1", "o-1", "hp1-black")));
  REQUIRE(store.checkout(checkout_request{
      "b1", "o-2", {{"sp1-blue", 1}, {"kn1-steel", 1}}, "tok_visa", "{}"}));
  auto declined =
      store.checkout(test::one_unit("b1", "o-3", "hp2-black", "tok_declined"));
  REQUIRE(declined);
  REQUIRE(declined->status == order_status::cancelled);
  REQUIRE(store.checkout(test::one_unit("b2", "o-4", "kn1-steel")));
  store.caught_up();
  auto& orders = store.running->orders();

  auto mine = orders.buyer_orders("b1", std::nullopt, "", 20);
  REQUIRE(mine);
  REQUIRE(mine->items.size() == 3);
  CHECK(mine->items[0].lines[0].sku == "hp2-black");
  CHECK(mine->items[0].status == "cancelled");
  CHECK(mine->items[2].lines[0].sku == "hp1-black");
  auto paid = orders.buyer_orders("b1", "fulfillment_processing", "", 20);
  REQUIRE(paid);
  CHECK(paid->items.size() == 2);
  auto first = orders.buyer_orders("b1", std::nullopt, "", 2);
  REQUIRE(first);
  REQUIRE(first->next_cursor);
  auto second = orders.buyer_orders("b1", std::nullopt, *first->next_cursor, 2);
  REQUIRE(second);
  CHECK(second->items.size() == 1);
  CHECK_FALSE(second->next_cursor);

  // Seller s3 sold the knife twice; the speaker line of o-2 is s2's.
  auto sold = orders.seller_orders("s3", "", 20);
  REQUIRE(sold);
  REQUIRE(sold->items.size() == 2);
  for (auto& order : sold->items) {
    REQUIRE(order.lines.size() == 1);
    CHECK(order.lines[0].seller_id == "s3");
  }
  auto history = orders.order(mine->items[2].order_id);
  REQUIRE(history);
  CHECK(history->history.front().status == "created");
  CHECK(history->history.back().status == "fulfillment_processing");
}
