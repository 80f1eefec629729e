// Memory at a million SKUs: 1M SKUs registered and each reserved once by
// 256 closed-loop buyers, in process (entity actors, journal with
// durability always), with passivation after 2 s idle. Prints the RSS and
// the live entities as the run goes, and the time to activate a
// passivated SKU (snapshot or replay, then one read) at the start and at
// the end. Goal: RSS under 1 GiB throughout; activation as fast at the
// end as at the start.
#include "actors/entity_registry.hpp"
#include "actors/sku/sku_actor.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "in_process.hpp"
#include "memory.hpp"

using namespace tillroll;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t buyers = 256;

/// Median microseconds to read each of `skus`, each passivated by now.
double activation_us(bench::in_process_node& node,
                     const std::vector<std::string>& skus) {
  std::vector<double> took;
  for (auto& sku : skus) {
    auto started = std::chrono::steady_clock::now();
    node.ask<sku_view>("sku", sku, caf::make_message(sku_command{get_sku{}}));
    took.push_back(std::chrono::duration<double, std::micro>(
                       std::chrono::steady_clock::now() - started)
                       .count());
  }
  std::sort(took.begin(), took.end());
  return took[took.size() / 2];
}

/// Runs `command_of(n)` on SKU n for every n below `total`, `buyers` at
/// once, printing the RSS every `report_every`.
void for_every_sku(bench::in_process_node& node, uint64_t total,
                   const char* what,
                   std::function<sku_command(uint64_t)> command_of) {
  struct progress {
    std::atomic<uint64_t> next{0};
    std::atomic<uint64_t> done{0};
    std::atomic<uint64_t> failed{0};
    std::atomic<int> running{0};
  };
  auto run = std::make_shared<progress>();
  run->running = static_cast<int>(buyers);
  auto registry = node.registry();
  auto started = std::chrono::steady_clock::now();
  for (uint64_t buyer = 0; buyer < buyers; ++buyer)
    node.system().spawn([=](caf::event_based_actor* self) {
      auto step = std::make_shared<std::function<void()>>();
      *step = [=] {
        auto n = run->next.fetch_add(1);
        if (n >= total) {
          run->running.fetch_sub(1);
          self->quit();
          return;
        }
        self->request(registry, caf::infinite, route_atom::value,
                      std::string{"sku"}, fmt::format("SKU{}", n),
                      caf::make_message(command_of(n)))
            .then(
                [=](sku_view&) {
                  run->done.fetch_add(1);
                  (*step)();
                },
                [=](caf::error&) {
                  run->failed.fetch_add(1);
                  (*step)();
                });
      };
      (*step)();
    });
  uint64_t reported = 0;
  uint64_t last_done = 0;
  auto progressed = started;
  std::chrono::steady_clock::duration longest_pause{};
  while (run->running.load() > 0) {
    std::this_thread::sleep_for(100ms);
    auto done = run->done.load();
    auto now = std::chrono::steady_clock::now();
    if (done != last_done) {
      last_done = done;
      progressed = now;
    }
    longest_pause = std::max(longest_pause, now - progressed);
    if (done - reported >= total / 5 || run->running.load() == 0) {
      reported = done;
      auto seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - started)
                         .count();
      fmt::print("  {:<10} {:>8} SKUs  {:>7.1f} s  RSS {:>6.0f} MiB\n", what,
                 done, seconds, bench::mebibytes(bench::resident_bytes()));
    }
  }
  // A burst of passivations once stalled every buyer for seconds.
  fmt::print("  {:<10} longest pause without progress: {:.1f} s\n", what,
             std::chrono::duration<double>(longest_pause).count());
  if (run->failed.load() > 0)
    fmt::print("  {} commands refused\n", run->failed.load());
}

} // namespace

int main(int argc, char** argv) {
  uint64_t total = argc > 1 ? std::stoull(argv[1]) : 1'000'000;
  entity_settings settings;
  settings.idle_timeout = 2s;
  bench::in_process_node node{[](entity_kinds& kinds) { add_sku_kind(kinds); },
                              settings};
  fmt::print("memory: {} SKUs registered, then each reserved once ({} "
             "buyers, durability always, passivation after 2 s idle)\n",
             total, buyers);
  for_every_sku(node, total, "registered", [](uint64_t n) {
    return sku_command{register_sku{fmt::format("product-{}", n / 10),
                                    "seller-1", 1999, "USD", 10}};
  });
  std::vector<std::string> early;
  for (uint64_t n = 0; n < 200; ++n)
    early.push_back(fmt::format("SKU{}", n * (total / 200)));
  std::this_thread::sleep_for(3s);
  auto first = activation_us(node, early);
  for_every_sku(node, total, "reserved", [](uint64_t n) {
    return sku_command{reserve_stock{fmt::format("order-{}", n), 1, 10min}};
  });
  std::this_thread::sleep_for(3s);
  std::vector<std::string> late;
  for (uint64_t n = 0; n < 200; ++n)
    late.push_back(fmt::format("SKU{}", n * (total / 200) + 1));
  auto last = activation_us(node, late);
  fmt::print("  activation of a passivated SKU, median of 200: {:.0f} us at "
             "the start, {:.0f} us at the end ({:.2f}x)\n",
             first, last, last / first);
  fmt::print("  RSS now {:.0f} MiB, peak {:.0f} MiB (goal < 1024 MiB)\n",
             bench::mebibytes(bench::resident_bytes()),
             bench::mebibytes(bench::peak_resident_bytes()));
}
