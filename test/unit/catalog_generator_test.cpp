// The catalog generator behind the demo store and the benchmarks.
#include "app/catalog_generator.hpp"
#include "events/codec.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace tillroll;

TEST_CASE("the catalog generator gives the same catalog for the same seed, "
          "and another for another seed") {
  auto one = generate_catalog({.seed = 5, .products = 50, .sellers = 3});
  auto again = generate_catalog({.seed = 5, .products = 50, .sellers = 3});
  auto other = generate_catalog({.seed = 6, .products = 50, .sellers = 3});
  REQUIRE(one.size() == 50);
  size_t differing = 0;
  std::set<std::string> skus, sellers;
  for (size_t n = 0; n < one.size(); ++n) {
    CHECK(encode_payload(one[n].listing) == encode_payload(again[n].listing));
    differing += one[n].listing.title != other[n].listing.title ? 1 : 0;
    CHECK_FALSE(one[n].listing.variants.empty());
    for (auto& variant : one[n].listing.variants) {
      CHECK(skus.insert(variant.sku).second);
      CHECK(variant.price_cents > 0);
    }
    sellers.insert(one[n].listing.seller_id);
  }
  CHECK(differing > 40);
  CHECK(sellers.size() == 3);
  // Parts generated from other first indexes never share an id.
  auto next = generate_catalog({.seed = 5, .products = 10, .first_index = 50});
  for (auto& product : next)
    CHECK(product.product_id > one.back().product_id);
}
