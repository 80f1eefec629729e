// Full checkout in process: place, reserve, pay with the simulated PSP at
// zero latency, confirm; every step durable (durability always). Paid
// orders per second with 1, 32 and 256 concurrent buyers, on one hot SKU
// and spread over 10,000 SKUs, with the appends and events one checkout
// costs; in the same run PostgreSQL (fsync on) doing the seed's checkout
// as one transaction and as the three-transaction saga over as many SKUs
// (bench/peers/postgres_checkout.sh).
#include "actors/ask.hpp"
#include "actors/order/checkout.hpp"
#include "actors/sku/sku_actor.hpp"
#include "app/node.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "peer.hpp"

using namespace tillroll;
using namespace std::chrono_literals;

namespace {

struct run_state {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> paid{0};
  std::atomic<uint64_t> other{0};
  std::atomic<int> running{0};
  int skus = 1;
};

void buy(caf::event_based_actor* self, caf::actor checkout,
         std::shared_ptr<run_state> run, int buyer, uint64_t attempt) {
  if (run->stop.load(std::memory_order_relaxed)) {
    run->running.fetch_sub(1);
    self->quit();
    return;
  }
  // Each buyer walks the SKUs from its own start: spread evenly.
  auto sku = (static_cast<uint64_t>(buyer) * 7919 + attempt) %
             static_cast<uint64_t>(run->skus);
  checkout_request request{fmt::format("buyer{}", buyer),
                           fmt::format("k{}", attempt),
                           {checkout_line{fmt::format("SKU{}", sku), 1}},
                           "tok_visa",
                           "{}"};
  self->request(checkout, caf::infinite, std::move(request))
      .then(
          [=](order_view& view) {
            if (view.status == order_status::fulfillment_processing)
              run->paid.fetch_add(1, std::memory_order_relaxed);
            else
              run->other.fetch_add(1, std::memory_order_relaxed);
            buy(self, checkout, run, buyer, attempt + 1);
          },
          [=](caf::error&) {
            run->other.fetch_add(1, std::memory_order_relaxed);
            buy(self, checkout, run, buyer, attempt + 1);
          });
}

struct figures {
  double orders_per_second = 0;
  double appends_per_order = 0;
  double events_per_order = 0;
  double events_per_fsync = 0;
};

figures measure(int skus, int buyers, std::chrono::seconds duration) {
  bench::temp_directory directory;
  node_options options;
  options.data_directory = directory.path();
  options.serve_http = false;
  auto shop = std::move(*node::open(options));
  {
    caf::scoped_actor self{shop->system()};
    for (int index = 0; index < skus; ++index)
      if (!ask<sku_entity>(
              self, shop->registry(), fmt::format("SKU{}", index),
              register_sku{"product", "seller", 1000, "EUR", 100'000'000}))
        std::abort();
  }
  auto before = shop->journal().stats();
  auto run = std::make_shared<run_state>();
  run->running = buyers;
  run->skus = skus;
  auto started = std::chrono::steady_clock::now();
  for (int buyer = 0; buyer < buyers; ++buyer)
    shop->system().spawn(
        [&](caf::event_based_actor* self, int buyer) {
          buy(self, shop->checkout(), run, buyer, 0);
        },
        buyer);
  std::this_thread::sleep_for(duration);
  auto paid = run->paid.load();
  auto after = shop->journal().stats();
  auto elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  run->stop = true;
  while (run->running.load() > 0)
    std::this_thread::sleep_for(1ms);
  if (run->other.load() > 0)
    fmt::print(stderr, "{} checkouts not paid\n", run->other.load());
  shop->stop();
  auto orders = static_cast<double>(std::max<uint64_t>(paid, 1));
  return {static_cast<double>(paid) / elapsed,
          static_cast<double>(after.appends - before.appends) / orders,
          static_cast<double>(after.events - before.events) / orders,
          static_cast<double>(after.events - before.events) /
              static_cast<double>(
                  std::max<uint64_t>(after.syncs - before.syncs, 1))};
}

} // namespace

int main(int argc, char** argv) {
  auto seconds = argc > 1 ? std::atoi(argv[1]) : 3;
  // `tillroll_bench_checkout SECONDS alone` skips the peers (for profiling).
  bool with_peers = !(argc > 2 && std::string_view{argv[2]} == "alone");
  fmt::print("checkout: paid orders/s, in process, simulated PSP at zero "
             "latency, durability always ({} s per point); PostgreSQL 'one' "
             "is the seed's one-transaction checkout, 'saga' its three "
             "transactions\n",
             seconds);
  fmt::print("{:>6} {:>7} {:>10} {:>8} {:>8} {:>8} {:>22} {:>22}\n", "skus",
             "buyers", "orders/s", "appends", "events", "ev/fsync",
             "pg one (ratio)", "pg saga (ratio)");
  for (int skus : {1, 10'000})
    for (int buyers : {1, 32, 256}) {
      auto ours = measure(skus, buyers, std::chrono::seconds{seconds});
      std::optional<double> one;
      std::optional<double> saga;
      if (with_peers) {
        auto arguments = fmt::format("{} one {}", seconds, skus);
        one = bench::peer_script("postgres_checkout.sh", buyers, arguments);
        arguments = fmt::format("{} saga {}", seconds, skus);
        saga = bench::peer_script("postgres_checkout.sh", buyers, arguments);
      }
      fmt::print("{:>6} {:>7} {:>10.0f} {:>8.1f} {:>8.1f} {:>8.1f} {:>22} "
                 "{:>22}\n",
                 skus, buyers, ours.orders_per_second, ours.appends_per_order,
                 ours.events_per_order, ours.events_per_fsync,
                 bench::ratio(ours.orders_per_second, one),
                 bench::ratio(ours.orders_per_second, saga));
    }
  fmt::print("  goal: >= 3x 'one' at 32 and 256 buyers, >= 10000 orders/s at "
             "256\n");
}
