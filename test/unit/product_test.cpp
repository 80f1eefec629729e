#include "actors/product/product_state.hpp"

#include <doctest/doctest.h>

#include "../support/callers.hpp"
#include "../support/node_fixture.hpp"

using namespace tillroll;
using tillroll::testing::buyer;
using tillroll::testing::seller;

namespace {

const timestamp now{std::chrono::seconds{1'790'000'000}};

product_listed tee(std::string seller = "seller-1") {
  return product_listed{std::move(seller),
                        "Organic tee",
                        "Soft cotton",
                        "Acme",
                        "apparel",
                        {{"material", "cotton"}},
                        {"https://img.example/tee.jpg"},
                        {{"TEE-S", 1500, "EUR", {{"size", "S"}}, 10},
                         {"TEE-M", 1500, "EUR", {{"size", "M"}}, 5}},
                        0};
}

product_state run(product_state state, const product_command& command) {
  auto decided = decide(state, command, now);
  REQUIRE(decided);
  for (auto& event : *decided)
    apply_event(state, event);
  return state;
}

} // namespace

TEST_CASE("only the owning seller changes, reprices or delists a product") {
  auto product = run({}, list_product{seller("seller-1"), tee()});
  product_changed rename;
  rename.title = "Tee";
  CHECK(decide(product, change_product{seller("seller-2"), rename}, now)
            .error()
            .code == errc::forbidden);
  CHECK(decide(product,
               change_variant_price{seller("seller-2"), "TEE-S", 1, "EUR"}, now)
            .error()
            .code == errc::forbidden);
  CHECK(decide(product, delist_product{seller("seller-2")}, now).error().code ==
        errc::forbidden);
  product = run(product, change_product{seller("seller-1"), rename});
  CHECK(product.listing.title == "Tee");
  product = run(product,
                change_variant_price{seller("seller-1"), "TEE-M", 1800, "EUR"});
  CHECK(product.listing.variants[1].price_cents == 1800);
  product = run(product, delist_product{seller("seller-1")});
  CHECK(product.delisted);
  CHECK(decide(product, change_product{seller("seller-1"), rename}, now)
            .error()
            .code == errc::wrong_state);
}

TEST_CASE("a change refused in one price decides no event at all") {
  auto product = run({}, list_product{seller("seller-1"), tee()});
  product_changed rename;
  rename.title = "Tee";
  auto price = [](std::string sku, int64_t cents, std::string currency) {
    product_variant variant;
    variant.sku = std::move(sku);
    variant.price_cents = cents;
    variant.currency = std::move(currency);
    return variant;
  };
  for (auto prices :
       {std::vector{price("TEE-S", 900, "EUR"), price("NOPE", 1, "EUR")},
        std::vector{price("TEE-S", 900, "EUR"), price("TEE-M", 900, "USD")},
        std::vector{price("TEE-S", 900, "EUR"), price("TEE-S", 800, "EUR")},
        std::vector{price("TEE-S", 0, "EUR")}}) {
    auto decided = decide(
        product, change_product{seller("seller-1"), rename, prices}, now);
    CHECK_FALSE(decided);
  }
  auto both = decide(
      product,
      change_product{seller("seller-1"), rename, {price("TEE-S", 900, "EUR")}},
      now);
  REQUIRE(both);
  CHECK(both->size() == 2);
  CHECK(decide(product, change_product{seller("seller-1"), {}, {}}, now)
            .error()
            .code == errc::invalid_argument);
}

TEST_CASE("a caller in another role with the seller's id changes nothing") {
  auto product = run({}, list_product{seller("seller-1"), tee()});
  product_changed rename;
  rename.title = "Tee";
  for (auto who : {buyer("seller-1"), caller{"seller-1", role::admin}})
    CHECK(decide(product, change_product{who, rename}, now).error().code ==
          errc::forbidden);
  CHECK(decide({}, list_product{buyer("seller-1"), tee()}, now).error().code ==
        errc::forbidden);
}

TEST_CASE("a listing is the caller's whatever seller it names") {
  auto product = run({}, list_product{seller("seller-1"), tee("seller-2")});
  CHECK(product.listing.seller_id == "seller-1");
}

TEST_CASE("a listing is validated field by field") {
  auto no_title = tee();
  no_title.title.clear();
  CHECK(decide({}, list_product{seller("seller-1"), no_title}, now)
            .error()
            .code == errc::invalid_argument);
  auto duplicate = tee();
  duplicate.variants[1].sku = "TEE-S";
  CHECK_FALSE(decide({}, list_product{seller("seller-1"), duplicate}, now));
  auto negative = tee();
  negative.variants[0].price_cents = -5;
  CHECK_FALSE(decide({}, list_product{seller("seller-1"), negative}, now));
  auto script = tee();
  script.images = {"javascript:alert(1)"};
  CHECK_FALSE(decide({}, list_product{seller("seller-1"), script}, now));
  auto none = tee();
  none.variants.clear();
  CHECK_FALSE(decide({}, list_product{seller("seller-1"), none}, now));
  CHECK(decide({}, get_product{}, now).error().code == errc::not_found);
}

TEST_CASE("reviews come from buyers who received it, one each, and average") {
  auto product = run({}, list_product{seller("seller-1"), tee()});
  CHECK(decide(product, add_review{buyer("ann"), false, 5, "great"}, now)
            .error()
            .code == errc::forbidden);
  CHECK(decide(product, add_review{buyer("ann"), true, 6, ""}, now)
            .error()
            .code == errc::invalid_argument);
  product = run(product, add_review{buyer("ann"), true, 5, "great"});
  product = run(product, add_review{buyer("ben"), true, 2, "meh"});
  CHECK(product.rating() == doctest::Approx(3.5));
  CHECK(decide(product, add_review{buyer("ann"), true, 1, "again"}, now)
            .error()
            .code == errc::conflict);
}

TEST_CASE("listing a product registers the SKU of every variant") {
  test::temp_directory directory;
  test::node_fixture fixture{directory.path()};
  REQUIRE(fixture.ask<sku_entity>(
      "TAKEN", register_sku{"product-other", "seller-9", 100, "EUR", 1}));
  auto listing = tee();
  listing.variants.push_back({"TAKEN", 900, "EUR", {}, 3});
  REQUIRE(fixture.ask<product_entity>(
      "tee-1", list_product{seller("seller-1"), listing}));
  std::optional<expected<product_view>> ready;
  for (int tries = 0; tries < 200; ++tries) {
    auto small = fixture.ask<sku_entity>("TEE-S", get_sku{});
    if (small)
      break;
    fixture.running->journal().wait_for_commit(UINT64_MAX,
                                               std::chrono::milliseconds{5});
  }
  auto small = fixture.ask<sku_entity>("TEE-S", get_sku{});
  REQUIRE(small);
  CHECK(small->product_id == "tee-1");
  CHECK(small->available == 10);
  CHECK(fixture.ask<sku_entity>("TEE-M", get_sku{})->available == 5);
  CHECK(fixture.ask<sku_entity>("TAKEN", get_sku{})->product_id ==
        "product-other");
}
