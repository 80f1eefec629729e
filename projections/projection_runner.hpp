// Runs one projection: tails the global order from its saved offset and
// commits each batch's read-model changes together with the new offset.
// A thread of its own, since it does blocking RocksDB reads and writes;
// the journal wakes it on every commit.
#pragma once

#include "events/expected.hpp"
#include "events/histogram.hpp"
#include "projections/projection.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
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
  /// The other members whose logs a replicated model is also fed, each
  /// with an offset of its own (cluster only).
  std::vector<std::string> replica_members;
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

  /// As apply_batch, for events of `member`'s log (their positions are
  /// that log's); 0 for a model that is not replicated.
  [[nodiscard]] expected<size_t>
  apply_replica_batch(std::string_view member,
                      const std::vector<recorded_event>& events);

  /// The last position of `member`'s log applied here.
  uint64_t replica_offset(std::string_view member) const;

  /// Deletes the persisted model and offset and forgets the in-memory
  /// model; tailing then starts from the first event.
  [[nodiscard]] expected<void> reset();

  uint64_t offset() const noexcept { return offset_.load(); }
  /// Events committed to the log but not yet applied here.
  uint64_t lag_events() const;
  /// Age of the oldest unapplied event; 0 when caught up.
  std::chrono::milliseconds lag() const;

  /// Seconds from an event's recording to its visibility in this model
  /// (its batch committed), for the events of this member's log.
  const histogram& visibility() const noexcept { return visibility_; }

  projection& model() { return *model_; }
  std::string_view name() const { return model_->name(); }

private:
  /// A log this runner is fed: this member's, or another's copy.
  struct source {
    std::atomic<uint64_t>* offset;
    std::string offset_key;
  };

  void run();
  expected<size_t> apply_locked(const std::vector<recorded_event>& events,
                                const source& from);
  expected<size_t> stage_and_write(const std::vector<recorded_event>& events,
                                   size_t first, const source& from);
  expected<void> load_locked();
  source local_source();
  std::string offset_key() const;
  std::string replica_offset_key(std::string_view member) const;
  std::string data_prefix() const;

  event_log& log_;
  journal* tail_;
  std::unique_ptr<projection> model_;
  projection_runner_options options_;
  // Serializes run_once between the runner's thread and callers.
  std::mutex running_;
  std::atomic<uint64_t> offset_{0};
  /// Per member of `options_.replica_members`, in its order.
  std::unique_ptr<std::atomic<uint64_t>[]> replica_offsets_;
  /// The model in memory is all that is persisted (false after a reload
  /// failed part way: nothing is applied until one succeeds).
  bool loaded_ = false;
  std::atomic<int64_t> next_event_at_us_{0};
  histogram visibility_{
      {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

} // namespace tillroll
