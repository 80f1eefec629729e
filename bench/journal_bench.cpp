// Durable appends per second through the group-commit journal with 1 to 64
// concurrent writers (durability `always`: every append fsync'd before it
// is acknowledged), mean events per fsync, and in the same run RocksDB's
// db_bench fillrandom --sync=1 at the same thread count.
//
// Two kinds of writer: `async` writers are what entity actors are, each
// with one append in flight and the next issued from the acknowledgement,
// no thread of its own; `thread` writers each block a thread per append,
// as db_bench's threads do.
#include "events/event_log.hpp"
#include "events/journal.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "peer.hpp"

using namespace tillroll;

namespace {

constexpr size_t value_size = 150;

struct result {
  double appends_per_second = 0;
  double events_per_fsync = 0;
  double write_seconds_mean = 0;
};

new_event bench_event() {
  return new_event{1, 1, std::string(value_size, 'v'), now_timestamp(), "", ""};
}

/// One logical writer: appends, and from the acknowledgement appends again.
struct async_writer {
  journal* writer = nullptr;
  std::atomic<bool>* stop = nullptr;
  std::atomic<uint64_t>* appended = nullptr;
  std::atomic<int>* running = nullptr;
  std::string stream;
  uint64_t head = 0;

  void next() {
    if (stop->load(std::memory_order_relaxed)) {
      running->fetch_sub(1);
      return;
    }
    writer->append({stream,
                    head,
                    {bench_event()},
                    {},
                    [this](expected<append_receipt> receipt) {
                      if (!receipt)
                        std::abort();
                      head = receipt->last_sequence;
                      appended->fetch_add(1, std::memory_order_relaxed);
                      next();
                    }});
  }
};

durability mode = durability::always;

result summarize(const journal& writer, uint64_t appended,
                 std::chrono::steady_clock::time_point started) {
  auto elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  auto stats = writer.stats();
  auto& latency = writer.write_latency();
  return {static_cast<double>(appended) / elapsed,
          static_cast<double>(stats.events) /
              static_cast<double>(std::max<uint64_t>(stats.syncs, 1)),
          latency.sum() /
              static_cast<double>(std::max<uint64_t>(latency.count(), 1))};
}

/// A journal on an empty log in a temporary directory, in `mode`.
struct fresh_journal {
  bench::temp_directory directory;
  std::unique_ptr<event_log> log =
      std::move(*event_log::open({directory.path()}));
  journal writer{*log, journal_options{mode}};

  fresh_journal() {
    if (!writer.start())
      std::abort();
  }
};

result measure_async(int writers, std::chrono::milliseconds duration) {
  fresh_journal fresh;
  auto& writer = fresh.writer;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> appended{0};
  std::atomic<int> running{writers};
  std::vector<async_writer> logical(static_cast<size_t>(writers));
  auto started = std::chrono::steady_clock::now();
  for (int index = 0; index < writers; ++index) {
    logical[index] = async_writer{
        &writer, &stop, &appended, &running, "bench-" + std::to_string(index),
        0};
    logical[index].next();
  }
  std::this_thread::sleep_for(duration);
  stop = true;
  while (running.load() > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  return summarize(writer, appended.load(), started);
}

result measure_threads(int writers, std::chrono::milliseconds duration) {
  fresh_journal fresh;
  auto& writer = fresh.writer;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> appended{0};
  std::vector<std::thread> threads;
  auto started = std::chrono::steady_clock::now();
  for (int index = 0; index < writers; ++index)
    threads.emplace_back([&, index] {
      auto stream = "bench-" + std::to_string(index);
      uint64_t head = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        auto receipt =
            writer.append_and_wait({stream, head, {bench_event()}, {}, {}});
        if (!receipt)
          std::abort();
        head = receipt->last_sequence;
        appended.fetch_add(1, std::memory_order_relaxed);
      }
    });
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& thread : threads)
    thread.join();
  return summarize(writer, appended.load(), started);
}

} // namespace

int main(int argc, char** argv) {
  auto seconds = argc > 1 ? std::atoi(argv[1]) : 3;
  if (argc > 2) {
    auto parsed = parse_durability(argv[2]);
    if (!parsed) {
      fmt::print(
          stderr,
          "usage: tillroll_bench_journal [SECONDS] [always|batch|off]\n");
      return 2;
    }
    mode = *parsed;
  }
  fmt::print("journal: appends/s (durability {}, {}-byte events, "
             "{} s per point)\n",
             to_string(mode), value_size, seconds);
  fmt::print("{:>8} {:>7} {:>12} {:>12} {:>12} {:>16} {:>8}\n", "writers",
             "kind", "appends/s", "events/fsync", "write+fsync",
             "db_bench ops/s", "ratio");
  for (int writers : {1, 16, 32, 64}) {
    // Enough operations per thread for about the same duration.
    auto per_thread = std::max(200, 2000 * seconds / std::max(1, writers / 8));
    auto peer = bench::db_bench(
        "fillrandom",
        fmt::format("--benchmarks=fillrandom --sync=1 --threads={} "
                    "--value_size={} --num={}",
                    writers, value_size, per_thread));
    for (auto kind : {"async", "thread"}) {
      auto ours = std::string_view{kind} == "async"
                      ? measure_async(writers, std::chrono::seconds{seconds})
                      : measure_threads(writers, std::chrono::seconds{seconds});
      fmt::print("{:>8} {:>7} {:>12.0f} {:>12.1f} {:>10.0f}us {:>16} {:>8}\n",
                 writers, kind, ours.appends_per_second, ours.events_per_fsync,
                 ours.write_seconds_mean * 1e6,
                 peer ? fmt::format("{:.0f}", *peer) : "n/a",
                 peer ? fmt::format("{:.2f}x", ours.appends_per_second / *peer)
                      : "n/a");
    }
  }
}
