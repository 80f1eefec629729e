// A flash sale's reservation path in process: durable holds per second on
// one sale with 1, 32 and 256 concurrent buyers (entity actors, journal
// with durability `always`, no HTTP), each hold checked as a checkout's is:
// the ticket's signature and admission, the per-user limit, the units left
// beyond those kept for admitted buyers. A sale's limit is at most 100
// units a buyer, so each bench buyer holds a set of admitted tickets and
// moves to its next when one is spent. In the same run, at the same
// concurrency: Redis with appendfsync always running a Lua script with the
// sale's bookkeeping (bench/peers/redis_flash_sale.sh): the ticket is
// admitted, its buyer under the limit, a unit left; it checks no ticket
// signature nor admission expiry, and redis-benchmark counts its refusals
// as answers too, so the peer does somewhat less per request than we do.
#include "actors/flash_sale/flash_sale_actor.hpp"
#include "actors/flash_sale/flash_sale_state.hpp"
#include "actors/sku/sku_actor.hpp"
#include "http/auth.hpp"

#include <fmt/format.h>

#include "in_process.hpp"

using namespace tillroll;
using namespace std::chrono_literals;

namespace {

/// Admitted tickets the buyers share out: enough for 100 holds each of
/// far more holds than a run makes.
constexpr size_t tickets = 2'048;
constexpr int64_t per_user_limit = 100;

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

flash_sale_view ask_sale(bench::in_process_node& node,
                         flash_sale_command command) {
  return node.ask<flash_sale_view>("flash_sale", "fs-bench",
                                   caf::make_message(std::move(command)));
}

/// An open sale of 1,000,000 units with `tickets` admitted; their texts,
/// by buyer.
std::vector<std::string> open_sale(bench::in_process_node& node) {
  node.ask<sku_view>(
      "sku", "HOT",
      caf::make_message(sku_command{
          register_sku{"product-1", "seller-1", 1999, "USD", 1'000'000'000}}));
  ask_sale(node,
           create_sale{caller{"admin", role::admin},
                       {.sale_id = "fs-bench",
                        .sku = "HOT",
                        .quantity = flash_sale_quantity_max,
                        .price_cents = 999,
                        .starts_at_us = now_us(),
                        .ends_at_us = now_us() + 3'600'000'000,
                        .per_user_limit = per_user_limit,
                        .admit_per_second = flash_sale_admit_per_second_max,
                        .admission_ttl_s = admission_ttl_max_s,
                        .shuffle_seed = random_hex32(),
                        .ticket_key = random_hex32()}});
  // Answered once the SKU has set the units aside.
  node.ask<flash_sale_view>("flash_sale", "fs-bench",
                            caf::make_message(await_atom::value));
  for (int tries = 0; tries < 10'000; ++tries) {
    if (ask_sale(node, get_sale{}).status == sale_status::open)
      break;
    std::this_thread::sleep_for(1ms);
  }
  std::vector<std::string> texts;
  for (size_t index = 0; index < tickets; ++index)
    texts.push_back(ask_sale(node, join_sale{fmt::format("buyer-{}", index)})
                        .ticket->ticket);
  for (int tries = 0; tries < 20'000; ++tries) {
    if (ask_sale(node, get_sale{}).admitted_total >=
        static_cast<int64_t>(tickets))
      break;
    std::this_thread::sleep_for(1ms);
  }
  return texts;
}

double measure(int buyers, std::chrono::seconds duration) {
  bench::in_process_node node{[](entity_kinds& kinds) {
    add_sku_kind(kinds);
    add_flash_sale_kind(kinds);
  }};
  auto texts = open_sale(node);
  return bench::closed_loop<flash_sale_view>(
      node, buyers, duration, "flash_sale", "fs-bench",
      [texts, buyers](uint64_t buyer,
                      uint64_t attempt) -> std::optional<caf::message> {
        // Buyer b holds tickets b, b + buyers, b + 2 buyers, ...
        auto ticket =
            buyer + static_cast<uint64_t>(buyers) * (attempt / per_user_limit);
        if (ticket >= texts.size())
          return std::nullopt;
        return caf::make_message(flash_sale_command{sale_reserve{
            fmt::format("order-{}-{}", buyer, attempt),
            fmt::format("buyer-{}", ticket), texts[ticket], 1, 10min}});
      });
}

} // namespace

int main(int argc, char** argv) {
  initialize_crypto();
  auto seconds = argc > 1 ? std::atoi(argv[1]) : 3;
  bool with_peers = !(argc > 2 && std::string_view{argv[2]} == "alone");
  fmt::print("flash sale holds: durable, checked holds/s on one sale "
             "(durability always, {} s per point)\n",
             seconds);
  fmt::print("{:>7} {:>14} {:>24}\n", "buyers", "tillroll", "redis (ratio)");
  for (int buyers : {1, 32, 256}) {
    auto ours = measure(buyers, std::chrono::seconds{seconds});
    std::optional<double> redis;
    if (with_peers)
      redis = bench::peer_script("redis_flash_sale.sh", buyers,
                                 std::to_string(buyers == 1 ? 5'000 : 100'000));
    fmt::print("{:>7} {:>14.0f} {:>24}\n", buyers, ours,
               bench::ratio(ours, redis));
  }
}
