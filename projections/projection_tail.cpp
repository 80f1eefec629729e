#include "projections/projection_tail.hpp"

#include "events/event_log.hpp"
#include "events/journal.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace tillroll {

projection_tail::projection_tail(event_log& log, journal& tail,
                                 std::vector<projection_runner*> runners,
                                 projection_runner_options options)
    : log_(log), tail_(tail), runners_(std::move(runners)), options_(options) {}

projection_tail::~projection_tail() {
  stop();
}

void projection_tail::start() {
  stopping_ = false;
  thread_ = std::thread{[this] { run(); }};
}

void projection_tail::stop() {
  stopping_ = true;
  if (thread_.joinable())
    thread_.join();
}

void projection_tail::retry_failing() {
  auto now = std::chrono::steady_clock::now();
  for (size_t index = 0; index < runners_.size(); ++index) {
    auto& health = health_[index];
    if (health.failures == 0 || now < health.retry_at)
      continue;
    // On its own, from its own offset: it reads what it missed itself.
    auto applied = runners_[index]->run_once();
    if (applied) {
      health.failures = 0;
      continue;
    }
    report(index, applied.error());
  }
}

void projection_tail::report(size_t index, const failure& why) {
  auto& health = health_[index];
  ++health.failures;
  auto backoff =
      options_.idle_wait * (1 << std::min<uint32_t>(health.failures - 1, 6));
  health.retry_at =
      std::chrono::steady_clock::now() +
      std::min<std::chrono::milliseconds>(backoff, failing_retry_max);
  // Said once when it starts failing, then every 64th retry.
  if (health.failures == 1 || health.failures % 64 == 0)
    std::fprintf(stderr, "tillroll: projection %s: %s\n",
                 std::string{runners_[index]->name()}.c_str(),
                 why.message.c_str());
}

void projection_tail::run() {
  health_.assign(runners_.size(), {});
  while (!stopping_) {
    retry_failing();
    // The shared read serves the healthy read models only: one that fails
    // (a broken event, a full disk) falls behind alone, retried on its own
    // with a backoff; its lag shows in /metrics and /readyz.
    uint64_t lowest = UINT64_MAX;
    for (size_t index = 0; index < runners_.size(); ++index)
      if (health_[index].failures == 0)
        lowest = std::min(lowest, runners_[index]->offset());
    // Only what is fsync'd: a read model must not run ahead of what a
    // crash would keep.
    auto committed = tail_.committed_position();
    if (tail_.failed()) {
      // Nothing will commit again; the node is stopping.
      std::this_thread::sleep_for(options_.idle_wait);
      continue;
    }
    if (lowest == UINT64_MAX || committed <= lowest) {
      tail_.wait_for_commit(lowest == UINT64_MAX ? committed + 1 : lowest + 1,
                            options_.idle_wait);
      continue;
    }
    auto limit =
        std::min<uint64_t>(options_.batch_events_max, committed - lowest);
    auto events = log_.read_global(lowest + 1, limit);
    if (!events) {
      std::fprintf(stderr, "tillroll: reading the global log: %s\n",
                   events.error().message.c_str());
      std::this_thread::sleep_for(options_.idle_wait);
      continue;
    }
    if (events->empty())
      continue;
    for (size_t index = 0; index < runners_.size(); ++index) {
      if (health_[index].failures > 0)
        continue;
      if (auto applied = runners_[index]->apply_batch(*events); !applied)
        report(index, applied.error());
    }
  }
}

} // namespace tillroll
