// The catalog read model: browse by filter and order, paged by cursor,
// over a generated catalog.
#include "app/catalog_generator.hpp"
#include "projections/catalog/catalog.hpp"

#include <doctest/doctest.h>

#include <set>

#include "../support/shop_fixture.hpp"

using namespace tillroll;

TEST_CASE("browse filters, sorts and pages with cursors over a generated "
          "catalog") {
  test::temp_directory directory;
  test::shop store{directory.path()};
  auto products = generate_catalog({.seed = 7, .products = 120});
  REQUIRE(*list_catalog(store.running->system(), store.running->registry(),
                        products) == 120);
  store.caught_up();
  auto& catalog = store.running->catalog();

  std::set<std::string> seen;
  std::string cursor;
  int64_t last_price = -1;
  size_t pages = 0;
  for (;;) {
    auto page = catalog.browse({.order = browse_order::price_ascending,
                                .limit = 25,
                                .cursor = cursor});
    REQUIRE(page);
    ++pages;
    for (auto& item : page->items) {
      auto at = item->json.find("\"price_cents\":",
                                item->json.find("],\"price_cents\""));
      auto price = std::stoll(item->json.substr(at + 14));
      CHECK(price >= last_price);
      last_price = price;
      CHECK(seen.insert(item->json.substr(0, 20)).second);
    }
    if (!page->next_cursor)
      break;
    cursor = *page->next_cursor;
  }
  CHECK(seen.size() == 120);
  CHECK(pages == 5);

  size_t electronics = 0;
  for (auto& product : products)
    electronics += product.listing.category == "Electronics" ? 1 : 0;
  auto page = catalog.browse({.category = "Electronics", .limit = 100});
  REQUIRE(page);
  CHECK(page->items.size() == electronics);
  CHECK_FALSE(catalog.browse({.cursor = "not-a-cursor"}));
}
