#include "app/demo.hpp"

#include "actors/ask.hpp"
#include "actors/order/checkout.hpp"
#include "actors/user/user_actor.hpp"
#include "app/catalog_generator.hpp"
#include "app/node.hpp"
#include "events/event_log.hpp"
#include "http/auth.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <string>
#include <vector>

namespace tillroll {

namespace {

struct demo_account {
  const char* email;
  const char* password;
  const char* role;
};

constexpr demo_account accounts[] = {
    {"seller1@demo.tillroll", "demo-seller-1", "seller"},
    {"seller2@demo.tillroll", "demo-seller-2", "seller"},
    {"seller3@demo.tillroll", "demo-seller-3", "seller"},
    {"buyer1@demo.tillroll", "demo-buyer-1", "buyer"},
    {"buyer2@demo.tillroll", "demo-buyer-2", "buyer"},
    {"buyer3@demo.tillroll", "demo-buyer-3", "buyer"},
};

constexpr size_t past_orders_per_buyer = 4;

} // namespace

expected<void> seed_demo(node& running, const demo_options& options,
                         std::FILE* out) {
  auto head = running.log().last_position();
  if (!head)
    return std::move(head).error();
  if (*head == 0) {
    initialize_crypto();
    caf::scoped_actor self{running.system()};
    std::vector<std::string> sellers, buyers;
    for (auto& account : accounts) {
      auto hash = hash_password(account.password);
      if (!hash)
        return std::move(hash).error();
      auto id = running.user_id_for_email(account.email);
      auto made =
          ask<user_entity>(self, running.registry(), id,
                           register_user{account.email, *hash, account.role});
      if (!made)
        return std::move(made).error();
      (std::string_view{account.role} == "seller" ? sellers : buyers)
          .push_back(id);
    }
    auto catalog = generate_catalog({.seed = options.seed,
                                     .products = options.products,
                                     .sellers = sellers.size(),
                                     .seller_ids = sellers});
    auto listed = list_catalog(running.system(), running.registry(), catalog);
    if (!listed)
      return std::move(listed).error();
    // Past orders: buyers share favourites, so bought-together shows.
    size_t order_number = 0;
    for (size_t buyer = 0; buyer < buyers.size(); ++buyer)
      for (size_t n = 0; n < past_orders_per_buyer; ++n) {
        auto& first = catalog[(n * 7) % catalog.size()];
        auto& second = catalog[(n * 7 + buyer + 1) % catalog.size()];
        checkout_request request{
            buyers[buyer],
            "demo-" + std::to_string(order_number++),
            {{first.listing.variants[0].sku, 1},
             {second.listing.variants[0].sku, 1}},
            "tok_visa",
            R"({"name":"Demo Buyer","city":"Berlin","country":"DE"})"};
        self->request(running.checkout(), std::chrono::seconds{30}, request)
            .receive([](order_view&) {}, [](caf::error&) {});
      }
    std::fprintf(out, "demo store seeded: %zu products, %zu past orders\n",
                 *listed, order_number);
  }
  std::fprintf(out, "demo accounts (email / password):\n");
  for (auto& account : accounts)
    std::fprintf(out, "  %-7s %s / %s\n", account.role, account.email,
                 account.password);
  std::fflush(out);
  return {};
}

} // namespace tillroll
