// Hot SKU: durable reservations per second on one SKU with 1, 32 and 256
// concurrent buyers, in process (entity actors, journal with durability
// `always`, no HTTP). In the same run, at the same concurrency: Redis with
// appendfsync always running a Lua decrement-if-positive plus reservation
// record, and PostgreSQL with fsync on running SELECT ... FOR UPDATE,
// UPDATE, INSERT through pgbench (bench/peers/).
#include "actors/caf_error.hpp"
#include "actors/entity_registry.hpp"
#include "actors/messages.hpp"
#include "actors/sku/sku_actor.hpp"
#include "actors/system_config.hpp"
#include "events/event_log.hpp"
#include "events/journal.hpp"
#include "snapshots/snapshot_store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "peer.hpp"

using namespace tillroll;
using namespace std::chrono_literals;

namespace {

struct run_state {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> reserved{0};
  std::atomic<uint64_t> refused{0};
  std::atomic<int> running{0};
};

/// One buyer: a reservation in flight at a time, the next on its answer.
void buy(caf::event_based_actor* self, caf::actor registry,
         std::shared_ptr<run_state> run, uint64_t buyer, uint64_t attempt) {
  if (run->stop.load(std::memory_order_relaxed)) {
    run->running.fetch_sub(1);
    self->quit();
    return;
  }
  auto order = fmt::format("order-{}-{}", buyer, attempt);
  self->request(registry, caf::infinite, route_atom::value, std::string{"sku"},
                std::string{"HOT"},
                caf::make_message(sku_command{reserve_stock{order, 1, 10min}}))
      .then(
          [=](sku_view&) {
            run->reserved.fetch_add(1, std::memory_order_relaxed);
            buy(self, registry, run, buyer, attempt + 1);
          },
          [=](caf::error&) {
            run->refused.fetch_add(1, std::memory_order_relaxed);
            buy(self, registry, run, buyer, attempt + 1);
          });
}

double measure(int buyers, std::chrono::seconds duration) {
  bench::temp_directory directory;
  auto log = std::move(*event_log::open({directory.path()}));
  journal writer{*log, {}};
  if (!writer.start())
    std::abort();
  snapshot_store snapshots{*log};
  caf::actor_system_config config;
  configure_actor_system(config, 2);
  double rate = 0;
  {
    caf::actor_system system{config};
    entity_context context;
    context.log = log.get();
    context.journal = &writer;
    context.snapshots = &snapshots;
    auto kinds = std::make_shared<entity_kinds>();
    add_sku_kind(*kinds);
    auto registry = spawn_entity_registry(system, &context, kinds);
    caf::scoped_actor self{system};
    self->request(registry, 10s, route_atom::value, std::string{"sku"},
                  std::string{"HOT"},
                  caf::make_message(sku_command{register_sku{
                      "product-1", "seller-1", 1999, "USD", 1'000'000'000}}))
        .receive([](sku_view&) {},
                 [](caf::error& error) {
                   std::fprintf(stderr, "register: %s\n",
                                caf::to_string(error).c_str());
                   std::abort();
                 });
    auto run = std::make_shared<run_state>();
    run->running = buyers;
    auto started = std::chrono::steady_clock::now();
    for (int buyer = 0; buyer < buyers; ++buyer)
      system.spawn([=](caf::event_based_actor* actor,
                       uint64_t buyer) { buy(actor, registry, run, buyer, 0); },
                   static_cast<uint64_t>(buyer));
    std::this_thread::sleep_for(duration);
    auto counted = run->reserved.load();
    auto elapsed = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - started)
                       .count();
    run->stop = true;
    while (run->running.load() > 0)
      std::this_thread::sleep_for(1ms);
    rate = static_cast<double>(counted) / elapsed;
    if (run->refused.load() > 0)
      std::fprintf(stderr, "%llu reservations refused\n",
                   static_cast<unsigned long long>(run->refused.load()));
    self->request(registry, 60s, shutdown_atom::value)
        .receive([] {}, [](caf::error&) {});
  }
  writer.stop();
  // Where the time goes: a group commit covers `events/fsync` events, so a
  // slower rate is either smaller batches or slower fsyncs.
  auto stats = writer.stats();
  auto& fsyncs = writer.write_latency();
  std::fprintf(stderr, "  %d buyers: %.1f events/fsync, %.3f ms/fsync\n",
               buyers,
               stats.syncs ? static_cast<double>(stats.events) /
                                 static_cast<double>(stats.syncs)
                           : 0.0,
               fsyncs.count() ? 1000 * fsyncs.sum() /
                                    static_cast<double>(fsyncs.count())
                              : 0.0);
  return rate;
}

} // namespace

int main(int argc, char** argv) {
  auto seconds = argc > 1 ? std::atoi(argv[1]) : 3;
  // `tillroll_bench_hot_sku SECONDS alone` skips the peers (for profiling).
  bool with_peers = !(argc > 2 && std::string_view{argv[2]} == "alone");
  fmt::print("hot SKU: durable reservations/s on one SKU (durability always, "
             "{} s per point)\n",
             seconds);
  fmt::print("{:>7} {:>14} {:>24} {:>24}\n", "buyers", "tillroll",
             "redis (ratio)", "postgres (ratio)");
  for (int buyers : {1, 32, 256}) {
    auto ours = measure(buyers, std::chrono::seconds{seconds});
    std::optional<double> redis;
    std::optional<double> postgres;
    if (with_peers) {
      redis = bench::peer_script("redis_hot_sku.sh", buyers,
                                 std::to_string(buyers == 1 ? 5'000 : 100'000));
      postgres = bench::peer_script("postgres_hot_sku.sh", buyers,
                                    std::to_string(seconds));
    }
    fmt::print("{:>7} {:>14.0f} {:>24} {:>24}\n", buyers, ours,
               bench::ratio(ours, redis), bench::ratio(ours, postgres));
  }
}
