// Hot SKU: durable reservations per second on one SKU with 1, 32 and 256
// concurrent buyers, in process (entity actors, journal with durability
// `always`, no HTTP). In the same run, at the same concurrency: Redis with
// appendfsync always running a Lua decrement-if-positive plus reservation
// record, and PostgreSQL with fsync on running SELECT ... FOR UPDATE,
// UPDATE, INSERT through pgbench (bench/peers/).
#include "actors/sku/sku_actor.hpp"

#include <fmt/format.h>

#include "in_process.hpp"

using namespace tillroll;
using namespace std::chrono_literals;

namespace {

double measure(int buyers, std::chrono::seconds duration) {
  bench::in_process_node node{[](entity_kinds& kinds) { add_sku_kind(kinds); }};
  node.ask<sku_view>(
      "sku", "HOT",
      caf::make_message(sku_command{
          register_sku{"product-1", "seller-1", 1999, "USD", 1'000'000'000}}));
  return bench::closed_loop<sku_view>(
      node, buyers, duration, "sku", "HOT",
      [](uint64_t buyer, uint64_t attempt) {
        auto order = fmt::format("order-{}-{}", buyer, attempt);
        return caf::make_message(sku_command{reserve_stock{order, 1, 10min}});
      });
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
