// The node's RocksDB database: per-stream events, the global order,
// snapshots, projection data and metadata, each in its own column family.
// Reads live here; appends go through the journal (events/journal.hpp),
// the single writer of the events and global families.
#pragma once

#include "events/envelope.hpp"
#include "events/expected.hpp"

#include <filesystem>
#include <functional>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class Env;
class Status;
class WriteBatch;
} // namespace rocksdb

namespace tillroll {

/// Turns a RocksDB status into a failure, once, keeping whether a retry may
/// succeed. Busy, timed-out and try-again statuses are retryable.
[[nodiscard]] expected<void> from_status(const rocksdb::Status& status);

enum class column_family { events, global, snapshots, projections, metadata };

struct event_log_options {
  std::filesystem::path directory;
  /// Creates the database when the directory holds none.
  bool create_if_missing = true;
  /// Opens without the write lock, beside a running node (replay, events).
  bool read_only = false;
  /// RocksDB block cache shared by all column families.
  size_t block_cache_bytes = size_t{256} << 20;
  /// The file system underneath; none: the default (POSIX). Tests pass a
  /// fault-injecting one (events/storage_faults.hpp).
  std::shared_ptr<rocksdb::Env> env;
};

class event_log {
public:
  [[nodiscard]] static expected<std::unique_ptr<event_log>>
  open(const event_log_options& options);

  ~event_log();
  event_log(const event_log&) = delete;
  event_log& operator=(const event_log&) = delete;

  /// Visits the events of a stream with from <= sequence <= to, in order,
  /// until `visit` returns false. Every record is checksum-verified.
  [[nodiscard]] expected<void>
  read_stream(std::string_view stream_id, uint64_t from_sequence,
              uint64_t to_sequence,
              const std::function<bool(const recorded_event&)>& visit) const;

  /// Up to `limit` events in global order, starting at `from_position`.
  [[nodiscard]] expected<std::vector<recorded_event>>
  read_global(uint64_t from_position, size_t limit) const;

  /// The last sequence of a stream, 0 when it has no events.
  [[nodiscard]] expected<uint64_t>
  stream_head(std::string_view stream_id) const;

  /// The last global position, 0 when the log is empty.
  [[nodiscard]] expected<uint64_t> last_position() const;

  [[nodiscard]] expected<std::optional<std::string>>
  get(column_family family, std::string_view key) const;

  /// Visits keys starting with `prefix` in order until `visit` returns false.
  [[nodiscard]] expected<void>
  scan(column_family family, std::string_view prefix,
       const std::function<bool(std::string_view key, std::string_view value)>&
           visit) const;

  /// As scan, starting at the first key at or after `from` (which starts
  /// with `prefix`): where a paged reader left off.
  [[nodiscard]] expected<void>
  scan_from(column_family family, std::string_view prefix,
            std::string_view from,
            const std::function<bool(std::string_view key,
                                     std::string_view value)>& visit) const;

  /// Adds a delete of every key starting with `prefix` to `batch`.
  [[nodiscard]] expected<void> erase_prefix(rocksdb::WriteBatch& batch,
                                            column_family family,
                                            std::string_view prefix) const;

  /// Writes a batch; `sync` makes it durable before returning.
  [[nodiscard]] expected<void> write(rocksdb::WriteBatch& batch, bool sync,
                                     bool disable_wal = false);

  /// Writes one key outside the journal's families (metadata: the node's
  /// secrets, the simulated PSP's books); `sync` makes it durable before
  /// returning. Callers need no RocksDB type for it.
  [[nodiscard]] expected<void> put(column_family family, std::string_view key,
                                   std::string_view value, bool sync);

  /// Forces the write-ahead log to disk (the `batch` durability mode).
  [[nodiscard]] expected<void> sync_wal();

  /// The first write or fsync that failed, if one did: from then on every
  /// write and fsync fails with it without reaching RocksDB, whose log
  /// writer must not be used again after an error (its assertions stop the
  /// process when a write and an fsync race past one).
  std::optional<failure> io_failure() const;

  /// For the writers that build their own batches (journal, snapshots,
  /// projection runners, the registry's due index).
  rocksdb::ColumnFamilyHandle* family(column_family which) const;
  const std::filesystem::path& directory() const { return directory_; }

private:
  event_log() = default;

  std::filesystem::path directory_;
  // Declared first, so it outlives the database.
  std::shared_ptr<rocksdb::Env> env_;
  std::unique_ptr<rocksdb::DB> database_;
  std::vector<rocksdb::ColumnFamilyHandle*> families_;
  // Writes and fsyncs of the write-ahead log take turns, so none starts
  // after another has failed.
  mutable std::mutex io_mutex_;
  std::optional<failure> io_failed_;
  /// Set once `io_failed_` is, read without the mutex.
  std::atomic<bool> io_failed_flag_{false};
};

} // namespace tillroll
