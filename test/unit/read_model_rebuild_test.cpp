// Every read model of a node, rebuilt from zero, answers as the one built
// event by event; a restarted one resumes from its saved offset.
#include "app/catalog_generator.hpp"
#include "events/event_log.hpp"
#include "projections/catalog/catalog.hpp"
#include "projections/orders/order_history.hpp"
#include "projections/projection_runner.hpp"
#include "projections/recommendations/recommendations.hpp"
#include "projections/search/search_index.hpp"

#include <doctest/doctest.h>

#include <map>

#include "../support/shop_fixture.hpp"
#include "../support/callers.hpp"

using namespace tillroll;

namespace {

/// Everything a read model answers, as text, to compare two builds.
std::string answers(projection& model, timestamp now) {
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
      auto found = index->search({.text = text, .limit = 100}, now);
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
    test::shop store{directory.path()};
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
        products[5].product_id, delist_product{testing::seller(products[5].listing.seller_id)}));
    store.caught_up();
    store.running->stop();
  }
  auto log = std::move(*event_log::open({directory.path()}));
  // One time for every answer, so the recency boost ranks both builds alike.
  auto now = now_timestamp();
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
      loaded = answers(restarted.model(), now);
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
    CHECK(answers(rebuilt.model(), now) == loaded);
  }
}
