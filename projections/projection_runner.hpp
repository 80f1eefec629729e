// Runs one projection: tails the global order from its saved offset and
// commits each batch's read-model changes together with the new offset.
// A thread of its own, since it does blocking RocksDB reads and writes;
// the journal wakes it on every commit.
#pragma once

#include "events/expected.hpp"
#include "projections/projection.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace tillroll {

class event_log;
class journal;

struct projection_runner_options {
  /// Most events read and committed in one batch.
  size_t batch_events_max = 2000;
  /// Longest wait for new events before looking again.
  std::chrono::milliseconds idle_wait{100};
};

class projection_runner {
public:
  /// `tail` may be null for offline use (rebuild from the command line).
  projection_runner(event_log& log, journal* tail,
                    std::unique_ptr<projection> model,
                    projection_runner_options options = {});
  ~projection_runner();

  /// Loads the saved offset and model.
  [[nodiscard]] expected<void> load();

  /// Starts tailing in the runner's thread.
  void start();
  void stop();

  /// Processes at most one batch in the caller's thread; the number of
  /// events applied. For tests, rebuilds and the command line.
  [[nodiscard]] expected<size_t> run_once();

  /// Applies those of `events` (contiguous, read from the global log by
  /// someone else) that come after this runner's offset, and commits
  /// them; the number applied.
  [[nodiscard]] expected<size_t>
  apply_batch(const std::vector<recorded_event>& events);

  /// Deletes the persisted model and offset and forgets the in-memory
  /// model; tailing then starts from the first event.
  [[nodiscard]] expected<void> reset();

  uint64_t offset() const noexcept { return offset_.load(); }
  /// Events committed to the log but not yet applied here.
  uint64_t lag_events() const;
  /// Age of the oldest unapplied event; 0 when caught up.
  std::chrono::milliseconds lag() const;

  projection& model() { return *model_; }
  std::string_view name() const { return model_->name(); }

private:
  void run();
  expected<size_t> apply_locked(const std::vector<recorded_event>& events);
  expected<size_t> stage_and_write(const std::vector<recorded_event>& events,
                                   size_t first);
  expected<void> load_locked();
  std::string offset_key() const;
  std::string data_prefix() const;

  event_log& log_;
  journal* tail_;
  std::unique_ptr<projection> model_;
  projection_runner_options options_;
  // Serializes run_once between the runner's thread and callers.
  std::mutex running_;
  std::atomic<uint64_t> offset_{0};
  /// The model in memory is all that is persisted (false after a reload
  /// failed part way: nothing is applied until one succeeds).
  bool loaded_ = false;
  std::atomic<int64_t> next_event_at_us_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

} // namespace tillroll
