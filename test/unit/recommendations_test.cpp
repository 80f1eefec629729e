// The recommendations read model: bought together, similar buyers, and
// best sellers for a buyer without history.
#include "projections/catalog/catalog.hpp"
#include "projections/recommendations/recommendations.hpp"

#include <doctest/doctest.h>

#include "../support/shop_fixture.hpp"

using namespace tillroll;

TEST_CASE_FIXTURE(
    test::fixed_catalog_shop,
    "recommendations come from bought-together counts and similar "
    "buyers, without what the buyer has or what is out of stock") {
  // Three buyers take headphones with the speaker, one with the knife.
  for (auto buyer : {"b1", "b2", "b3"})
    REQUIRE(store.checkout(checkout_request{buyer,
                                            std::string{"k-"} + buyer,
                                            {{"hp1-black", 1}, {"sp1-blue", 1}},
                                            "tok_visa",
                                            "{}"}));
  REQUIRE(store.checkout(checkout_request{
      "b4", "k-b4", {{"hp1-black", 1}, {"kn1-steel", 1}}, "tok_visa", "{}"}));
  REQUIRE(store.checkout(test::one_unit("b5", "k-b5", "hp1-black")));
  store.caught_up();
  auto& recommend = store.running->recommendations();
  auto& catalog = store.running->catalog();
  CHECK(recommend.bought_together("hp1", "sp1") == 3);

  auto related = recommend.related("hp1", catalog, 5);
  REQUIRE(related.size() >= 2);
  CHECK(related[0].product_id == "sp1");
  CHECK(related[0].reason == "bought_together");
  for (auto& item : related) {
    CHECK(item.product_id != "hp1");
    CHECK(item.product_id != "tr1"); // out of stock
  }

  // b5 bought headphones only: buyers like them took the speaker.
  auto for_b5 = recommend.for_buyer("b5", catalog, 5);
  REQUIRE(!for_b5.empty());
  CHECK(for_b5[0].product_id == "sp1");
  for (auto& item : for_b5)
    CHECK(item.product_id != "hp1");
  // A buyer without history gets the best sellers.
  auto fresh = recommend.for_buyer("nobody", catalog, 3);
  REQUIRE(!fresh.empty());
  CHECK(fresh[0].product_id == "hp1");
  CHECK(fresh[0].reason == "popular");
}
