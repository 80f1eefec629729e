// The search read model in a real node: relevance, stemming, filters,
// sorting, exact facets, autocomplete, spelling, how soon a change is
// searchable, and opening an index another holds.
#include "projections/search/search_index.hpp"

#include <doctest/doctest.h>

#include <set>

#include "../support/shop_fixture.hpp"
#include "../support/callers.hpp"

using namespace tillroll;

namespace {

std::vector<std::string> ids(test::shop& store, const search_query& query) {
  auto found = store.running->search().search(query, now_timestamp());
  REQUIRE(found);
  std::vector<std::string> out;
  for (auto& hit : found->items)
    out.push_back(hit.product_id);
  return out;
}

std::set<std::string> as_set(const std::vector<std::string>& ids) {
  return {ids.begin(), ids.end()};
}

} // namespace

TEST_CASE_FIXTURE(test::fixed_catalog_shop,
                  "search ranks title matches first, stems, filters, sorts and "
                  "counts facets exactly") {
  // The speaker mentions headphones only in its description.
  auto headphones = ids(store, {.text = "headphones"});
  REQUIRE(headphones.size() == 3);
  CHECK(as_set({headphones[0], headphones[1]}) ==
        std::set<std::string>{"hp1", "hp2"});
  CHECK(headphones[2] == "sp1");
  // English stemming: "running" and "runs" meet "run".
  CHECK(as_set(ids(store, {.text = "run"})) ==
        std::set<std::string>{"rs1", "tr1"});

  CHECK(ids(store, {.text = "headphones", .brand = "Voltra"}) ==
        std::vector<std::string>{"hp1", "sp1"});
  CHECK(ids(store, {.text = "", .category = "Shoes", .in_stock_only = true}) ==
        std::vector<std::string>{"rs1"});
  CHECK(ids(store, {.text = "",
                    .price_min_cents = 4000,
                    .price_max_cents = 10000,
                    .order = search_order::price_ascending}) ==
        std::vector<std::string>{"sp1", "rs1", "hp1"});
  CHECK(ids(store, {.text = "", .order = search_order::price_descending})
            .front() == "hp2");

  auto all = store.running->search().search({.text = ""}, now_timestamp());
  REQUIRE(all);
  CHECK(all->total == 6);
  CHECK(all->category_counts ==
        std::map<std::string, uint64_t>{
            {"Electronics", 3}, {"Shoes", 2}, {"Home & Kitchen", 1}});
  CHECK(all->brand_counts.at("Voltra") == 2);
  // 39.00, 49.00 | 79.00, 99.00 | 119.00, 149.00
  CHECK(all->price_counts[2].count == 2);
  CHECK(all->price_counts[3].count == 2);
  CHECK(all->price_counts[4].count == 2);
  CHECK(all->price_counts[5].count == 0);
  CHECK_FALSE(all->price_counts.back().max_cents);

  // A minimum rating filter: only the knife has a review.
  REQUIRE(store.ask<product_entity>("kn1", add_review{testing::buyer("b1"), true, 5, "sharp"}));
  store.caught_up();
  CHECK(ids(store, {.text = "", .rating_min = 4.0}) ==
        std::vector<std::string>{"kn1"});
}

TEST_CASE_FIXTURE(
    test::fixed_catalog_shop,
    "autocomplete completes titles, brands and categories; a misspelled "
    "query is corrected") {
  auto& search = store.running->search();

  auto heads = search.autocomplete("head", 10);
  CHECK(as_set(heads) == std::set<std::string>{"Voltra Wireless Headphones",
                                               "Kestrel Studio Headphones"});
  auto volt = search.autocomplete("VOL", 10);
  REQUIRE(!volt.empty());
  CHECK(volt.front() == "Voltra");
  // The category holds two products, the title one.
  CHECK(search.autocomplete("shoe", 10) ==
        std::vector<std::string>{"Shoes", "Stridex Running Shoes"});
  CHECK(search.autocomplete("zzz", 10).empty());

  auto corrected = search.search({.text = "headphnes"}, now_timestamp());
  REQUIRE(corrected);
  REQUIRE(corrected->did_you_mean);
  CHECK(*corrected->did_you_mean == "headphones");
  CHECK(corrected->corrected);
  CHECK(corrected->total == 3);
}

TEST_CASE_FIXTURE(
    test::fixed_catalog_shop,
    "a price change, a delisting and a stock-out are searchable within "
    "a second, and browse follows them") {
  auto& search = store.running->search();
  auto& catalog = store.running->catalog();
  auto etag_before = catalog.product("hp1")->etag;

  auto within_a_second = [&](auto condition) {
    auto started = std::chrono::steady_clock::now();
    REQUIRE(test::wait_until(condition, std::chrono::seconds{5}));
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds{1});
  };

  REQUIRE(store.ask<product_entity>(
      "hp1", change_variant_price{testing::seller("s1"), "hp1-black", 2900, "USD"}));
  within_a_second([&] {
    auto cheap = search.search({.text = "headphones", .price_max_cents = 3000},
                               now_timestamp());
    return cheap && cheap->total == 1;
  });
  CHECK(catalog.product("hp1")->etag != etag_before);
  CHECK(catalog.product("hp1")->json.find("\"price_cents\":2900") !=
        std::string::npos);

  // The speaker's 20 units are sold: it shows out of stock everywhere.
  auto orders = store.checkout_all({checkout_request{
      "b1", "sold-out", {{"sp1-blue", 20}}, "tok_visa", "{}"}});
  REQUIRE(orders[0]);
  within_a_second([&] {
    auto stocked = search.search({.text = "speaker", .in_stock_only = true},
                                 now_timestamp());
    return stocked && stocked->total == 0;
  });
  auto in_stock = catalog.browse({.in_stock_only = true, .limit = 100});
  REQUIRE(in_stock);
  for (auto& item : in_stock->items)
    CHECK(item->json.find("\"id\":\"sp1\"") == std::string::npos);

  REQUIRE(store.ask<product_entity>("kn1", delist_product{testing::seller("s3")}));
  within_a_second([&] {
    auto knives = search.search({.text = "knife"}, now_timestamp());
    return knives && knives->total == 0;
  });
  store.caught_up();
  auto listed = catalog.browse({.limit = 100});
  REQUIRE(listed);
  CHECK(listed->items.size() == 5);
  // Its page stays readable, marked as no longer listed.
  CHECK(catalog.product("kn1")->json.find("\"listed\":false") !=
        std::string::npos);
}

TEST_CASE("a node whose search index is held elsewhere refuses to start with "
          "an error, not an exception") {
  test::temp_directory directory;
  auto holder = search_index::open(directory.path() / "search");
  REQUIRE(holder);
  node_options options;
  options.data_directory = directory.path();
  options.serve_http = false;
  auto opened = node::open(options);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == errc::storage_failure);
  CHECK(opened.error().message.find("search") != std::string::npos);
}

TEST_CASE("opening a search index that another holds is a storage failure, "
          "not an exception") {
  test::temp_directory directory;
  auto holder = search_index::open(directory.path() / "search");
  REQUIRE(holder);
  auto second = search_index::open(directory.path() / "search");
  REQUIRE_FALSE(second);
  CHECK(second.error().code == errc::storage_failure);
  CHECK(second.error().message.find("search index") != std::string::npos);
}
