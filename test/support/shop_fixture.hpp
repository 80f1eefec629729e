// A real node with products listed through their actors, for the read
// model tests: helpers that build listings, and the fixed six-product
// catalog the relevance, history and recommendation tests read.
#pragma once

#include <doctest/doctest.h>

#include "callers.hpp"

#include <string>
#include <utility>
#include <vector>

#include "node_fixture.hpp"
#include "wait.hpp"

namespace tillroll::test {

inline product_variant variant(std::string sku, int64_t price_cents,
                               int64_t stock, std::string color = "black") {
  return product_variant{
      std::move(sku), price_cents, "USD", {{"color", std::move(color)}}, stock};
}

inline product_listed listing(std::string seller, std::string title,
                              std::string description, std::string brand,
                              std::string category,
                              std::vector<product_variant> variants) {
  product_listed out;
  out.seller_id = std::move(seller);
  out.title = std::move(title);
  out.description = std::move(description);
  out.brand = std::move(brand);
  out.category = std::move(category);
  out.variants = std::move(variants);
  return out;
}

struct shop : node_fixture {
  using node_fixture::node_fixture;

  void list(const std::string& id, product_listed product) {
    REQUIRE(ask<product_entity>(id, list_product{testing::seller(product.seller_id), std::move(product)}));
  }
  /// Every read model has applied every event written so far.
  void caught_up() {
    REQUIRE(wait_until([&] { return running->ready(); }));
  }
  /// Headphones, a speaker, shoes (one pair out of stock) and a knife,
  /// from three sellers.
  void list_fixed_catalog() {
    list("hp1",
         listing("s1", "Voltra Wireless Headphones",
                 "Over-ear headphones with a long battery life.", "Voltra",
                 "Electronics", {variant("hp1-black", 9900, 10)}));
    list("hp2", listing("s1", "Kestrel Studio Headphones",
                        "Wired studio headphones for mixing.", "Kestrel",
                        "Electronics", {variant("hp2-black", 14900, 5)}));
    list("sp1", listing("s2", "Voltra Portable Speaker",
                        "Pairs with your headphones and phone.", "Voltra",
                        "Electronics", {variant("sp1-blue", 4900, 20)}));
    list("rs1",
         listing("s2", "Stridex Running Shoes",
                 "Cushioned shoes for daily runs.", "Stridex", "Shoes",
                 {variant("rs1-42", 7900, 3), variant("rs1-44", 8400, 0)}));
    list("tr1", listing("s3", "Trailhawk Trail Runners",
                        "Grippy shoes for running on trails.", "Trailhawk",
                        "Shoes", {variant("tr1-42", 11900, 0)}));
    list("kn1", listing("s3", "Kitchara Chef's Knife", "Stainless steel knife.",
                        "Kitchara", "Home & Kitchen",
                        {variant("kn1-steel", 3900, 8)}));
    caught_up();
  }
};

/// A fresh node with the fixed catalog listed, for TEST_CASE_FIXTURE.
struct fixed_catalog_shop {
  fixed_catalog_shop() { store.list_fixed_catalog(); }

  temp_directory directory;
  shop store{directory.path()};
};

} // namespace tillroll::test
