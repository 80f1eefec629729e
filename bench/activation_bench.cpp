// Entity activation time as history grows: a SKU with 1k, 10k and 100k
// events, activated (latest snapshot + tail replay) as the entity actor
// does on its first message, against a full replay of the same stream.
//
// Two histories: `stock` (receipts, removals, price changes: the state
// stays the same size) shows the cost of history length alone; `orders`
// (reservations that confirm or expire, at 100 orders a second of the
// orders' own time) shows that what a SKU remembers of settled orders is
// bounded by its recent ones (`sku_order_memory`), so activation time
// and snapshot size stay flat from 100k to 1M orders.
#include "actors/recovery.hpp"
#include "actors/sku/sku_state.hpp"
#include "events/codec.hpp"
#include "events/event_log.hpp"
#include "events/journal.hpp"
#include "snapshots/snapshot_store.hpp"

#include <fmt/format.h>

#include <chrono>

#include "peer.hpp"

using namespace tillroll;

namespace {

constexpr uint64_t snapshot_every_events = 1000;

sku_event stock_event(uint64_t index) {
  switch (index % 3) {
  case 0:
    return stock_received{5};
  case 1:
    return stock_removed{2};
  default:
    return price_set{static_cast<int64_t>(1000 + index % 700), "USD"};
  }
}

/// One order every 10 ms of the holds' own time, each held 10 minutes.
sku_event order_event(uint64_t index) {
  auto order = "order-" + std::to_string(index / 2);
  if (index % 2 == 0)
    return stock_reserved{order, 1,
                          1'790'000'000'000'000 +
                              static_cast<int64_t>(index / 2) * 10'000 +
                              600'000'000};
  if (index % 20 == 1)
    return reservation_expired{order};
  return reservation_confirmed{order};
}

/// Writes `total` events, snapshotting as the entity actor does: every
/// 1000 events, and no more often than the state's size / 64 in events.
void write_history(event_log& log, journal& writer, snapshot_store& snapshots,
                   const std::string& stream, uint64_t total,
                   sku_event (*next)(uint64_t)) {
  event_context origin{now_timestamp(), "", ""};
  sku_state state;
  std::vector<sku_event> batch{sku_registered{"p", "s", 1000, "USD"},
                               stock_received{static_cast<int64_t>(total * 2)}};
  uint64_t head = 0;
  uint64_t index = 0;
  uint64_t snapshot_head = 0;
  size_t snapshot_bytes = 0;
  while (head < total) {
    while (batch.size() < snapshot_every_events && head + batch.size() < total)
      batch.push_back(next(index++));
    std::vector<new_event> encoded;
    for (auto& event : batch) {
      encoded.push_back(to_new_event(event, origin));
      apply_event(state, event);
    }
    head = writer.append_and_wait({stream, head, std::move(encoded), {}, {}})
               ->last_sequence;
    batch.clear();
    if ((head - snapshot_head) * 64 < snapshot_bytes)
      continue;
    auto bytes = encode_payload(state);
    snapshot_bytes = bytes.size();
    snapshot_head = head;
    if (!snapshots.save(stream, snapshot{sku_entity::snapshot_version, head,
                                         std::move(bytes)}))
      std::abort();
  }
  (void)log;
}

double microseconds_to_activate(const event_log& log,
                                const snapshot_store* snapshots,
                                const std::string& stream, uint64_t total,
                                int runs = 5) {
  double best = 1e18;
  for (int run = 0; run < runs; ++run) {
    auto started = std::chrono::steady_clock::now();
    auto recovered = recover_state<sku_entity>(log, snapshots, stream);
    auto elapsed = std::chrono::duration<double, std::micro>(
                       std::chrono::steady_clock::now() - started)
                       .count();
    if (!recovered || recovered->sequence != total)
      std::abort();
    best = std::min(best, elapsed);
  }
  return best;
}

} // namespace

int main() {
  bench::temp_directory directory;
  auto log = std::move(*event_log::open({directory.path()}));
  journal_options options;
  options.mode = durability::batch;
  journal writer{*log, options};
  if (!writer.start())
    return 1;
  snapshot_store snapshots{*log};
  fmt::print("activation: snapshot (every {} events) + tail, best of 5\n",
             snapshot_every_events);
  fmt::print("{:>8} {:>8} {:>16} {:>16} {:>14}\n", "history", "events",
             "with snapshot", "full replay", "snapshot size");
  struct history {
    const char* name;
    sku_event (*next)(uint64_t);
    std::vector<uint64_t> totals;
  };
  for (auto& [name, next, totals] :
       {history{"stock", &stock_event, {1'000, 10'000, 100'000}},
        // Two events an order: 100k, 250k, 500k and 1M orders.
        history{"orders",
                &order_event,
                {20'000, 200'000, 500'000, 1'000'000, 2'000'000}}}) {
    for (uint64_t total : totals) {
      auto stream = fmt::format("sku-{}-{}", name, total);
      // A tail after the last snapshot, as a live entity would have.
      write_history(*log, writer, snapshots, stream, total - 37, next);
      event_context origin{now_timestamp(), "", ""};
      std::vector<new_event> tail;
      for (uint64_t index = 0; index < 37; ++index)
        tail.push_back(to_new_event(sku_event{stock_received{1}}, origin));
      if (!writer.append_and_wait(
              {stream, total - 37, std::move(tail), {}, {}}))
        return 1;
      auto with_snapshot =
          microseconds_to_activate(*log, &snapshots, stream, total);
      auto full = microseconds_to_activate(*log, nullptr, stream, total,
                                           total > 100'000 ? 1 : 5);
      auto taken = snapshots.load(stream);
      fmt::print("{:>8} {:>8} {:>13.0f} us {:>13.0f} us {:>12} B\n", name,
                 total, with_snapshot, full, (*taken)->state.size());
    }
  }
}
