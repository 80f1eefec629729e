#include "actors/cart/cart_state.hpp"

#include <doctest/doctest.h>

#include "../support/actor_harness.hpp"
#include "../support/temp_directory.hpp"

using namespace tillroll;
using namespace std::chrono_literals;

namespace {

const timestamp start_time{std::chrono::seconds{1'790'000'000}};

cart_state run(cart_state state, const cart_command& command,
               timestamp now = start_time) {
  auto decided = decide(state, command, now);
  REQUIRE(decided);
  for (auto& event : *decided)
    apply_event(state, event);
  return state;
}

} // namespace

TEST_CASE("a cart line is set, changed and removed by quantity") {
  auto cart = run({}, set_cart_item{"MUG", "product-1", 2});
  CHECK(cart.lines.at("MUG").quantity == 2);
  cart = run(cart, set_cart_item{"MUG", "product-1", 5});
  CHECK(cart.lines.at("MUG").quantity == 5);
  cart = run(cart, set_cart_item{"MUG", "product-1", 0});
  CHECK(cart.lines.empty());
  CHECK(decide(cart, remove_cart_item{"MUG"}, start_time).error().code ==
        errc::not_found);
}

TEST_CASE("cart limits are refused with invalid_argument") {
  CHECK(decide({}, set_cart_item{"MUG", "p", -1}, start_time).error().code ==
        errc::invalid_argument);
  CHECK(decide({}, set_cart_item{"MUG", "p", 101}, start_time).error().code ==
        errc::invalid_argument);
  CHECK(decide({}, set_cart_item{"", "p", 1}, start_time).error().code ==
        errc::invalid_argument);
  cart_state full;
  for (size_t index = 0; index < cart_lines_max; ++index)
    full = run(full, set_cart_item{"SKU" + std::to_string(index), "p", 1});
  CHECK(decide(full, set_cart_item{"ONE-MORE", "p", 1}, start_time)
            .error()
            .code == errc::invalid_argument);
}

TEST_CASE("a cart is cleared once per confirmed order") {
  auto cart = run({}, set_cart_item{"MUG", "p", 1});
  cart = run(cart, clear_cart{"order-1", {{"MUG", 1}}});
  CHECK(cart.lines.empty());
  cart = run(cart, set_cart_item{"HAT", "p", 1});
  CHECK(decide(cart, clear_cart{"order-1", {{"HAT", 1}}}, start_time)
            ->empty());
}

TEST_CASE("a confirmed order takes only what it bought out of the cart") {
  auto cart = run({}, set_cart_item{"MUG", "p", 2});
  // Added, and raised, after the checkout began.
  cart = run(cart, set_cart_item{"HAT", "p", 1});
  cart = run(cart, set_cart_item{"MUG", "p", 5});
  cart = run(cart, clear_cart{"order-1", {{"MUG", 2}}});
  REQUIRE(cart.lines.size() == 2);
  CHECK(cart.lines.at("MUG").quantity == 3);
  CHECK(cart.lines.at("HAT").quantity == 1);
}

TEST_CASE("a cart is priced at its SKUs' prices of the moment: a SKU that "
          "cannot be read is left out") {
  auto cart = run({}, set_cart_item{"MUG", "product-1", 2});
  cart = run(cart, set_cart_item{"CUP", "product-2", 1});
  auto view = cart_entity::reply(cart, get_cart{});
  REQUIRE(view.lines.size() == 2);
  std::vector<expected<sku_view>> skus;
  for (auto& line : view.lines)
    if (line.sku == "MUG")
      skus.emplace_back(sku_view{.product_id = "product-1", .seller_id = "s", .price_cents = 350, .currency = "EUR"});
    else
      skus.emplace_back(make_failure(errc::not_found, "no such sku"));
  auto priced = price_cart(view, skus);
  REQUIRE(priced.lines.size() == 1);
  CHECK(priced.lines[0].sku == "MUG");
  CHECK(priced.lines[0].line_total_cents == 700);
  CHECK(priced.subtotal_cents == 700);
  CHECK(priced.currency == "EUR");
  CHECK(priced.expires_at_us == view.expires_at_us);
}

TEST_CASE("a delisted SKU is not added to a cart, and a cart holds one "
          "currency") {
  sku_view delisted{.product_id = "product-1", .seller_id = "s", .price_cents = 350, .currency = "EUR", .withdrawn = true};
  CHECK(cart_item_change("MUG", 1, delisted).error().code == errc::delisted);
  auto removal = cart_item_change("MUG", 0, delisted);
  REQUIRE(removal);
  CHECK(removal->quantity == 0);
  CHECK(removal->product_id == "product-1");
  CHECK(same_cart_currency("MUG", "EUR", "EUR"));
  CHECK(same_cart_currency("MUG", "USD", "EUR").error().code ==
        errc::currency_mismatch);
}

TEST_CASE("a confirmed order's lines are what its clearing takes out") {
  auto clearing = clear_cart_of("order-1", {{"MUG", "p", "s", 2, 500}});
  CHECK(clearing.order_id == "order-1");
  REQUIRE(clearing.bought.size() == 1);
  CHECK(clearing.bought[0].sku == "MUG");
  CHECK(clearing.bought[0].quantity == 2);
}

TEST_CASE("a cart remembers a bounded number of the orders that cleared it") {
  cart_state cart;
  for (size_t index = 0; index < 3 * cart_cleared_orders_max; ++index)
    cart = run(cart, clear_cart{"order-" + std::to_string(index), {}});
  CHECK(cart.cleared_by.size() == cart_cleared_orders_max);
}

TEST_CASE("an untouched cart expires by its timer, also across a restart") {
  test::temp_directory directory;
  {
    test::actor_harness harness{directory.path(), start_time};
    REQUIRE(
        harness.ask<cart_entity>("buyer-1", set_cart_item{"MUG", "p", 1, 1h}));
    harness.advance(30min);
    REQUIRE(
        harness.ask<cart_entity>("buyer-2", set_cart_item{"MUG", "p", 1, 1h}));
    harness.advance(31min);
    CHECK(harness.ask<cart_entity>("buyer-1", get_cart{})->lines.empty());
    CHECK(harness.ask<cart_entity>("buyer-2", get_cart{})->lines.size() == 1);
  }
  test::actor_harness harness{directory.path(), start_time + 2h};
  CHECK(harness.ask<cart_entity>("buyer-2", get_cart{})->lines.empty());
}
