// Group commit: the single writer of the log. Concurrent appends from many
// entities queue here; one thread gathers them into one WriteBatch, checks
// each stream's expected sequence and writes it; a second thread fsyncs
// the write-ahead log and answers every appender whose batch it covered.
// Durable throughput grows with concurrency instead of being one fsync per
// request, and the next batch is prepared while the last one is fsync'd.
#pragma once

#include "events/envelope.hpp"
#include "events/expected.hpp"
#include "events/histogram.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace tillroll {

class event_log;

/// What an acknowledged append survives.
enum class durability : uint8_t {
  /// fsync before answering: survives process crash and power loss.
  always,
  /// Written to the WAL (OS page cache) before answering, fsync'd at least
  /// every `batch_sync_interval`: survives a process crash; a power loss or
  /// kernel crash loses up to that interval.
  batch,
  /// No write-ahead log: a process crash loses everything not yet flushed
  /// from the memtable. For benchmarks and throwaway data only.
  off,
};

std::string_view to_string(durability mode) noexcept;
std::optional<durability> parse_durability(std::string_view text) noexcept;

struct journal_options {
  durability mode = durability::always;
  /// Most events in one WriteBatch; a larger backlog takes several batches.
  size_t batch_events_max = 8192;
  /// Most queued append requests; beyond it appends fail as `overloaded`.
  size_t queue_requests_max = 100'000;
  /// Longest time between fsyncs in `batch` mode.
  std::chrono::milliseconds batch_sync_interval{10};
  /// Most events in one append request.
  size_t request_events_max = 4096;
  /// Writes in the appending thread instead of the journal thread, so CAF's
  /// deterministic test scheduler sees replies without waiting on a thread.
  bool write_inline = false;
  /// Most cached stream heads; past it the cache is dropped and reloaded.
  size_t stream_heads_max = 1'000'000;
  /// Called once, from a journal thread, when a write or fsync fails: the
  /// journal has failed every append not yet acknowledged and refuses all
  /// later ones, and the node must stop (fail-stop: after a failed fsync
  /// the kernel may have dropped the pages, so no retry can be trusted).
  std::function<void(const failure&)> on_failure;
  /// Whether this node owns a stream (actors/cluster/membership.hpp); an
  /// append to one it does not is refused `not_owner`, however it was
  /// routed here: the fence that keeps an entity from living on two
  /// members. None: a single node, which owns every stream.
  std::function<bool(std::string_view stream_id)> owns_stream;
};

struct append_receipt {
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  uint64_t last_position = 0;
};

using append_callback = std::function<void(expected<append_receipt>)>;

/// A metadata change written in the same batch as the events, e.g. an
/// entity's next timer deadline: no value deletes the key.
struct metadata_change {
  std::string key;
  std::optional<std::string> value;
};

struct append_request {
  std::string stream_id;
  /// The stream's last sequence as the appender knows it; any other head
  /// is a `conflict`, never a silent overwrite.
  uint64_t expected_sequence = 0;
  std::vector<new_event> events;
  std::vector<metadata_change> metadata_changes;
  /// Called once, after the batch is durable or has failed: from a journal
  /// thread, or from the appender's own if the append was written alone.
  append_callback done;
  /// Nothing else waits on the appender: an idle journal may write and
  /// fsync the append on the appender's thread, which then blocks.
  bool may_write_alone = false;
};

class journal {
public:
  journal(event_log& log, journal_options options);
  ~journal();
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;

  /// Must be called once before appending: loads the global position.
  [[nodiscard]] expected<void> start();

  /// Queues an append; `request.done` reports the outcome.
  void append(append_request request);

  /// Appends and blocks until durable; for tools, tests and benchmarks.
  [[nodiscard]] expected<append_receipt>
  append_and_wait(append_request request);

  /// The last global position known durable.
  uint64_t committed_position() const noexcept {
    return committed_position_.load(std::memory_order_acquire);
  }

  /// Blocks until the committed position passes `position` or `timeout`
  /// elapses; returns whether it passed. Returns false at once when the
  /// journal has failed.
  bool wait_for_commit(uint64_t position, std::chrono::milliseconds timeout);

  /// Why the journal stopped accepting appends, if it did.
  std::optional<failure> failed() const;

  /// Finishes queued appends, then stops the writer thread.
  void stop();

  const journal_options& options() const noexcept { return options_; }

  struct statistics {
    uint64_t appends = 0;
    uint64_t events = 0;
    uint64_t batches = 0;
    uint64_t syncs = 0;
    uint64_t conflicts = 0;
  };
  statistics stats() const noexcept;
  /// Events made durable by one fsync.
  const histogram& batch_events() const noexcept { return batch_events_; }
  /// Seconds per fsync of the write-ahead log (`always` and `batch`), or
  /// per write (`off`).
  const histogram& write_latency() const noexcept { return write_latency_; }

private:
  /// A written batch waiting for its fsync.
  struct written_batch {
    std::vector<append_request> requests;
    std::vector<std::optional<expected<append_receipt>>> outcomes;
    uint64_t last_position = 0;
    size_t event_count = 0;
  };

  struct staged_batch;

  void run_writer();
  void run_syncer();
  /// Writes one append as a batch of its own on the caller's thread, then
  /// answers it.
  void write_single(append_request request, bool sync);
  /// Writes and fsyncs one append on the caller's thread while the writer
  /// waits, then answers it.
  void write_alone(append_request request);
  /// Waits for written batches to fsync and takes them; false once the
  /// syncer is done.
  bool take_unsynced(std::vector<written_batch>& taken);
  /// One fsync for everything taken; on failure none of it is durable.
  void sync_taken(std::vector<written_batch>& taken);
  void acknowledge_taken(std::vector<written_batch>& taken);
  /// Checks and writes one batch; fills `written` for acknowledgement.
  void write_batch(std::vector<append_request>& requests,
                   written_batch& written, bool sync);
  /// Checks one request against its stream's head and adds its writes.
  expected<append_receipt> stage(append_request& request, staged_batch& staged);
  /// Writes a staged batch, or fails the appends it held.
  void commit(staged_batch& staged, written_batch& written, bool sync);
  void acknowledge(written_batch& written);
  /// Records the first failure (caller holds mutex_ when `locked`) and
  /// wakes commit waiters; returns whether it was the first.
  bool poison(const failure& why, bool locked = false);
  /// Calls `options_.on_failure` once, outside every lock.
  void report_failure();
  /// A write outside the journal (a projection's, a snapshot's, the due
  /// index's) failed: the log refuses every write since, so the journal
  /// fails too and reports it, after the groups synced before it.
  void notice_log_failure();
  expected<uint64_t> head_of(const std::string& stream_id);

  event_log& log_;
  journal_options options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<append_request> queue_;
  bool stopping_ = false;
  /// The syncer is running appenders' callbacks (under mutex_).
  bool acknowledging_ = false;
  /// Batches the writer took and the syncer has not acknowledged.
  size_t batches_in_flight_ = 0;
  /// An append to an idle journal is being written on its own thread; the
  /// writer waits for it.
  bool writing_alone_ = false;
  std::condition_variable alone_done_;
  std::thread writer_;
  /// Set when a write or fsync failed: the log's state is unknown, so
  /// every later append fails until the node restarts and recovers.
  std::optional<failure> poisoned_;
  /// `options_.on_failure` has been called.
  bool failure_reported_ = false;

  // Written batches handed from the writer to the syncer.
  std::mutex sync_mutex_;
  std::condition_variable sync_wake_;
  std::condition_variable sync_room_;
  std::vector<written_batch> unsynced_;
  size_t unsynced_events_ = 0;
  /// The writer found more appends queued when it handed over its batch.
  bool writer_has_more_ = false;
  /// Events after which the syncer stops waiting for the writer to drain.
  static constexpr size_t sync_group_events_min = 1024;
  bool writer_done_ = false;
  std::thread syncer_;

  // Touched only by the writer, an append written alone (the writer waits
  // for it) or, in inline mode, under mutex_.
  std::unordered_map<std::string, uint64_t> stream_heads_;
  uint64_t next_position_ = 1;

  std::atomic<uint64_t> committed_position_{0};
  /// Mirrors `poisoned_` for lock-free readers (readiness, waiters).
  std::atomic<bool> failed_{false};
  std::mutex commit_mutex_;
  std::condition_variable committed_;

  std::atomic<uint64_t> appends_{0};
  std::atomic<uint64_t> events_{0};
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> syncs_{0};
  std::atomic<uint64_t> conflicts_{0};
  histogram batch_events_;
  histogram write_latency_;
};

} // namespace tillroll
