// Replay: events per second rebuilding a SKU's state from 1M events of its
// stream (read, verify checksum, upcast, decode, apply), and in the same
// run db_bench readseq over as many records of the same size.
#include "actors/recovery.hpp"
#include "actors/sku/sku_state.hpp"
#include "events/codec.hpp"
#include "events/event_log.hpp"
#include "events/journal.hpp"

#include <fmt/format.h>

#include <chrono>
#include <optional>

#include "peer.hpp"

using namespace tillroll;

namespace {

/// A plausible history: stock arrives, orders reserve, most confirm, some
/// expire, prices change now and then.
sku_event history_event(uint64_t index) {
  auto order = "order-" + std::to_string(index / 3);
  switch (index % 3) {
  case 0:
    return stock_reserved{order, 1, 1'790'000'000'000'000};
  case 1:
    if (index % 30 == 1)
      return reservation_expired{order};
    return reservation_confirmed{order};
  default:
    if (index % 300 == 2)
      return price_set{static_cast<int64_t>(1000 + index % 500), "USD"};
    return stock_received{1};
  }
}

} // namespace

int main(int argc, char** argv) {
  uint64_t total = argc > 1 ? std::stoull(argv[1]) : 1'000'000;
  bench::temp_directory directory;
  const std::string stream = "sku-BENCH";
  uint64_t record_bytes = 0;
  {
    auto log = std::move(*event_log::open({directory.path()}));
    journal_options options;
    options.mode = durability::batch;
    journal writer{*log, options};
    if (!writer.start())
      return 1;
    event_context origin{now_timestamp(), "", ""};
    std::vector<new_event> events{
        to_new_event(sku_event{sku_registered{"p", "s", 1000, "USD"}}, origin),
        to_new_event(sku_event{stock_received{static_cast<int64_t>(total)}},
                     origin)};
    uint64_t head = 0;
    uint64_t index = 0;
    while (head < total) {
      while (events.size() < 1000 && head + events.size() < total)
        events.push_back(to_new_event(history_event(index++), origin));
      for (auto& event : events)
        record_bytes += event.payload.size() + 40 + stream.size();
      auto receipt =
          writer.append_and_wait({stream, head, std::move(events), {}, {}});
      if (!receipt) {
        fmt::print(stderr, "append: {}\n", receipt.error().message);
        return 1;
      }
      head = receipt->last_sequence;
      events.clear();
    }
  }
  // Reopened, so reads come from table files as after a restart.
  auto log = std::move(*event_log::open({directory.path()}));
  auto value_size = record_bytes / total;

  // Each figure is the best of three runs: this machine's disk and CPU
  // are shared, and the worst run measures the neighbours.
  constexpr int runs = 3;
  double scan_seconds = 1e9;
  double decode_seconds = 1e9;
  double replay_seconds = 1e9;
  uint64_t scanned = 0;
  uint64_t decoded = 0;
  std::optional<recovered_state<sku_entity>> recovered;
  for (int run = 0; run < runs; ++run) {
    auto started = std::chrono::steady_clock::now();
    scanned = 0;
    if (!log->read_stream(stream, 1, UINT64_MAX, [&](const recorded_event&) {
          ++scanned;
          return true;
        }))
      return 1;
    scan_seconds =
        std::min(scan_seconds, std::chrono::duration<double>(
                                   std::chrono::steady_clock::now() - started)
                                   .count());

    started = std::chrono::steady_clock::now();
    decoded = 0;
    if (!log->read_stream(
            stream, 1, UINT64_MAX, [&](const recorded_event& record) {
              decoded += decode_event<sku_event>(record).has_value() ? 1 : 0;
              return true;
            }))
      return 1;
    decode_seconds =
        std::min(decode_seconds, std::chrono::duration<double>(
                                     std::chrono::steady_clock::now() - started)
                                     .count());

    started = std::chrono::steady_clock::now();
    auto rebuilt = recover_state<sku_entity>(*log, nullptr, stream);
    replay_seconds =
        std::min(replay_seconds, std::chrono::duration<double>(
                                     std::chrono::steady_clock::now() - started)
                                     .count());
    if (!rebuilt || rebuilt->sequence != total) {
      fmt::print(stderr, "replay failed\n");
      return 1;
    }
    recovered.emplace(std::move(*rebuilt));
  }
  auto peer = bench::db_bench(
      "readseq",
      fmt::format("--benchmarks=fillseq,readseq,readseq,readseq --num={} "
                  "--value_size={} --key_size=20 --compression_type=none",
                  total, value_size));
  auto replay_rate = static_cast<double>(total) / replay_seconds;
  fmt::print("replay: {} events of {} (about {} bytes per record), best of "
             "{} runs\n",
             total, stream, value_size, runs);
  fmt::print("  read + checksum only     {:>12.0f} events/s\n",
             static_cast<double>(scanned) / scan_seconds);
  fmt::print("  read + checksum + decode {:>12.0f} events/s\n",
             static_cast<double>(decoded) / decode_seconds);
  fmt::print("  rebuild state (decode + apply) {:>6.0f} events/s  ({:.2f} s; "
             "sold {}, {} orders remembered)\n",
             replay_rate, replay_seconds, recovered->state.sold,
             recovered->state.confirmed_orders.size() +
                 recovered->state.ended_orders.size());
  if (peer)
    fmt::print("  db_bench readseq         {:>12.0f} ops/s  -> ratio {:.2f}x\n",
               *peer, replay_rate / *peer);
  else
    fmt::print("  db_bench readseq: not available\n");
}
