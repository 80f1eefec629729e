// Full checkout in process: place, reserve, pay with the simulated PSP at
// zero latency, confirm, clear the cart; every step durable (durability
// always). Orders per second with 1, 32 and 256 concurrent buyers.
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

constexpr int sku_count = 100;

struct run_state {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> paid{0};
  std::atomic<uint64_t> other{0};
  std::atomic<int> running{0};
};

void buy(caf::event_based_actor* self, caf::actor checkout,
         std::shared_ptr<run_state> run, int buyer, uint64_t attempt) {
  if (run->stop.load(std::memory_order_relaxed)) {
    run->running.fetch_sub(1);
    self->quit();
    return;
  }
  checkout_request request{
      fmt::format("buyer{}", buyer),
      fmt::format("k{}", attempt),
      {checkout_line{fmt::format("SKU{}", (buyer + attempt) % sku_count), 1}},
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

double measure(int buyers, std::chrono::seconds duration) {
  bench::temp_directory directory;
  node_options options;
  options.data_directory = directory.path();
  options.serve_http = false;
  auto shop = std::move(*node::open(options));
  {
    caf::scoped_actor self{shop->system()};
    for (int index = 0; index < sku_count; ++index)
      if (!ask<sku_entity>(
              self, shop->registry(), fmt::format("SKU{}", index),
              register_sku{"product", "seller", 1000, "EUR", 100'000'000}))
        std::abort();
  }
  auto run = std::make_shared<run_state>();
  run->running = buyers;
  auto started = std::chrono::steady_clock::now();
  for (int buyer = 0; buyer < buyers; ++buyer)
    shop->system().spawn(
        [&](caf::event_based_actor* self, int buyer) {
          buy(self, shop->checkout(), run, buyer, 0);
        },
        buyer);
  std::this_thread::sleep_for(duration);
  auto paid = run->paid.load();
  auto elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  run->stop = true;
  while (run->running.load() > 0)
    std::this_thread::sleep_for(1ms);
  if (run->other.load() > 0)
    fmt::print(stderr, "{} checkouts not paid\n", run->other.load());
  shop->stop();
  return static_cast<double>(paid) / elapsed;
}

} // namespace

int main(int argc, char** argv) {
  auto seconds = argc > 1 ? std::atoi(argv[1]) : 3;
  fmt::print("checkout: paid orders/s, in process, simulated PSP at zero "
             "latency, durability always ({} s per point)\n",
             seconds);
  fmt::print("{:>7} {:>12}\n", "buyers", "orders/s");
  for (int buyers : {1, 32, 256})
    fmt::print("{:>7} {:>12.0f}\n", buyers,
               measure(buyers, std::chrono::seconds{seconds}));
}
