#include "app/catalog_generator.hpp"
#include "events/codec.hpp"
#include "events/event_log.hpp"
#include "projections/catalog/catalog.hpp"
#include "projections/orders/order_history.hpp"
#include "projections/projection_runner.hpp"
#include "projections/recommendations/recommendations.hpp"
#include "projections/search/search_index.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "../support/node_fixture.hpp"
#include "../support/wait.hpp"

using namespace tillroll;

namespace {

product_variant variant(std::string sku, int64_t price_cents, int64_t stock,
                        std::string color = "black") {
  return product_variant{
      std::move(sku), price_cents, "USD", {{"color", std::move(color)}}, stock};
}

product_listed listing(std::string seller, std::string title,
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

struct shop : test::node_fixture {
  using test::node_fixture::node_fixture;

  void list(const std::string& id, product_listed product) {
    REQUIRE(ask<product_entity>(id, list_product{std::move(product)}));
  }
  void caught_up() {
    REQUIRE(test::wait_until([&] { return running->ready(); }));
  }
  std::vector<std::string> ids(const search_query& query) {
    auto found = running->search().search(query, now_timestamp());
    REQUIRE(found);
    std::vector<std::string> out;
    for (auto& hit : found->items)
      out.push_back(hit.product_id);
    return out;
  }
  /// The fixed catalog every relevance test reads.
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

std::set<std::string> as_set(const std::vector<std::string>& ids) {
  return {ids.begin(), ids.end()};
}

} // namespace

TEST_CASE("search ranks title matches first, stems, filters, sorts and "
          "counts facets exactly") {
  test::temp_directory directory;
  shop store{directory.path()};
  store.list_fixed_catalog();

  // The speaker mentions headphones only in its description.
  auto headphones = store.ids({.text = "headphones"});
  REQUIRE(headphones.size() == 3);
  CHECK(as_set({headphones[0], headphones[1]}) ==
        std::set<std::string>{"hp1", "hp2"});
  CHECK(headphones[2] == "sp1");
  // English stemming: "running" and "runs" meet "run".
  CHECK(as_set(store.ids({.text = "run"})) ==
        std::set<std::string>{"rs1", "tr1"});

  CHECK(store.ids({.text = "headphones", .brand = "Voltra"}) ==
        std::vector<std::string>{"hp1", "sp1"});
  CHECK(store.ids({.text = "", .category = "Shoes", .in_stock_only = true}) ==
        std::vector<std::string>{"rs1"});
  CHECK(store.ids({.text = "",
                   .price_min_cents = 4000,
                   .price_max_cents = 10000,
                   .order = search_order::price_ascending}) ==
        std::vector<std::string>{"sp1", "rs1", "hp1"});
  CHECK(store.ids({.text = "", .order = search_order::price_descending})
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
  REQUIRE(store.ask<product_entity>("kn1", add_review{"b1", true, 5, "sharp"}));
  store.caught_up();
  CHECK(store.ids({.text = "", .rating_min = 4.0}) ==
        std::vector<std::string>{"kn1"});
}

TEST_CASE("autocomplete completes titles, brands and categories; a misspelled "
          "query is corrected") {
  test::temp_directory directory;
  shop store{directory.path()};
  store.list_fixed_catalog();
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

TEST_CASE("a price change, a delisting and a stock-out are searchable within "
          "a second, and browse follows them") {
  test::temp_directory directory;
  shop store{directory.path()};
  store.list_fixed_catalog();
  auto& search = store.running->search();
  auto& catalog = store.running->catalog();
  auto etag_before = catalog.product("hp1")->etag;

  auto within_a_second = [&](auto condition) {
    auto started = std::chrono::steady_clock::now();
    REQUIRE(test::wait_until(condition, std::chrono::seconds{5}));
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds{1});
  };

  REQUIRE(store.ask<product_entity>(
      "hp1", change_variant_price{"s1", "hp1-black", 2900, "USD"}));
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

  REQUIRE(store.ask<product_entity>("kn1", delist_product{"s3"}));
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

TEST_CASE("browse filters, sorts and pages with cursors over a generated "
          "catalog") {
  test::temp_directory directory;
  shop store{directory.path()};
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

TEST_CASE("order history lists a buyer's orders newest first and a seller's "
          "own lines") {
  test::temp_directory directory;
  shop store{directory.path()};
  store.list_fixed_catalog();
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

TEST_CASE("recommendations come from bought-together counts and similar "
          "buyers, without what the buyer has or what is out of stock") {
  test::temp_directory directory;
  shop store{directory.path()};
  store.list_fixed_catalog();
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

namespace {

/// Everything a read model answers, as text, to compare two builds.
std::string answers(projection& model) {
  std::string out;
  if (auto* products = dynamic_cast<catalog*>(&model)) {
    for (auto order : {browse_order::newest, browse_order::price_ascending,
                       browse_order::rating}) {
      auto page = products->browse({.order = order, .limit = 100});
      REQUIRE(page);
      for (auto& item : page->items)
        out += item->etag + item->json + "\n";
    }
  } else if (auto* index = dynamic_cast<search_index*>(&model)) {
    for (auto text : {"", "shoes", "wireless headphones", "steel"}) {
      auto found = index->search({.text = text, .limit = 100}, now_timestamp());
      REQUIRE(found);
      out += std::to_string(found->total) + ":";
      for (auto& hit : found->items)
        out += hit.product_id + (hit.in_stock ? "+" : "-") + ",";
      for (auto& [name, count] : found->category_counts)
        out += name + "=" + std::to_string(count) + ";";
      for (auto& bucket : found->price_counts)
        out += std::to_string(bucket.count) + ";";
    }
    for (auto prefix : {"a", "s", "vol", "runn"})
      for (auto& suggestion : index->autocomplete(prefix, 10))
        out += suggestion + "|";
  } else if (auto* orders = dynamic_cast<order_history*>(&model)) {
    for (auto buyer : {"b0", "b1", "b2", "b3"}) {
      auto page = orders->buyer_orders(buyer, std::nullopt, "", 100);
      REQUIRE(page);
      for (auto& order : page->items)
        out += order.order_id + order.status +
               std::to_string(order.history.size()) + ",";
    }
  } else if (auto* recommend = dynamic_cast<recommendations*>(&model)) {
    for (auto a : {"p0000000", "p0000001", "p0000002", "p0000003"})
      for (auto b : {"p0000000", "p0000001", "p0000002", "p0000003"})
        out += std::to_string(recommend->bought_together(a, b));
  }
  return out;
}

} // namespace

TEST_CASE("every read model rebuilt from zero equals the incrementally built "
          "one, and a restart resumes from its saved offset") {
  test::temp_directory directory;
  std::map<std::string, std::string> incremental;
  {
    shop store{directory.path()};
    auto products = generate_catalog({.seed = 11, .products = 60});
    REQUIRE(*list_catalog(store.running->system(), store.running->registry(),
                          products) == 60);
    for (int n = 0; n < 12; ++n)
      REQUIRE(store.checkout(
          checkout_request{"b" + std::to_string(n % 4),
                           "k" + std::to_string(n),
                           {{products[n % 4].listing.variants[0].sku, 1},
                            {products[(n + 1) % 4].listing.variants[0].sku, 1}},
                           n % 5 == 4 ? "tok_declined" : "tok_visa",
                           "{}"}));
    REQUIRE(store.ask<product_entity>(
        products[5].product_id, delist_product{products[5].listing.seller_id}));
    store.caught_up();
    store.running->stop();
  }
  auto log = std::move(*event_log::open({directory.path()}));
  auto head = *log->last_position();
  for (auto name : {"catalog", "search", "orders", "recommendations"}) {
    CAPTURE(name);
    // Restart: the model comes back from its entries, with nothing replayed.
    std::string loaded;
    {
      projection_runner restarted{*log, nullptr,
                                  make_read_model(name, directory.path())};
      REQUIRE(restarted.load());
      CHECK(restarted.offset() == head);
      loaded = answers(restarted.model());
      CHECK(loaded.size() >= 16);
      auto again = restarted.run_once();
      REQUIRE(again);
      CHECK(*again == 0);
    }

    projection_runner rebuilt{*log, nullptr,
                              make_read_model(name, directory.path())};
    REQUIRE(rebuilt.reset());
    for (;;) {
      auto batch = rebuilt.run_once();
      REQUIRE(batch);
      if (*batch == 0)
        break;
    }
    CHECK(rebuilt.offset() == head);
    CHECK(answers(rebuilt.model()) == loaded);
  }
}

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
