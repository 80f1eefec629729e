#include "projections/projection_tail.hpp"

#include "events/event_log.hpp"
#include "events/journal.hpp"

#include <algorithm>
#include <cstdio>

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

void projection_tail::run() {
  while (!stopping_) {
    uint64_t lowest = UINT64_MAX;
    for (auto* runner : runners_)
      lowest = std::min(lowest, runner->offset());
    // Only what is fsync'd: a read model must not run ahead of what a
    // crash would keep.
    auto committed = tail_.committed_position();
    if (runners_.empty() || committed <= lowest) {
      tail_.wait_for_commit(lowest + 1, options_.idle_wait);
      continue;
    }
    auto limit =
        std::min<uint64_t>(options_.batch_events_max, committed - lowest);
    auto events = log_.read_global(lowest + 1, limit);
    bool broken = !events;
    if (events && !events->empty())
      for (auto* runner : runners_) {
        auto applied = runner->apply_batch(*events);
        if (!applied) {
          // A broken event stops that read model, not the others; it
          // shows as its lag.
          std::fprintf(stderr, "tillroll: projection %s: %s\n",
                       std::string{runner->name()}.c_str(),
                       applied.error().message.c_str());
          broken = true;
        }
      }
    if (broken)
      std::this_thread::sleep_for(options_.idle_wait);
  }
}

} // namespace tillroll
