// A fault-injecting file system under RocksDB, after RocksDB's own
// FaultInjectionTestFS: it knows which bytes of every file it saw written
// were fsync'd, and which new files a directory fsync made durable, so a
// test can fail a chosen write or fsync, cut the power (every later write
// fails), and then drop what a real power loss would drop, optionally
// tearing the unsynced tail instead of dropping it whole. SIGKILL tests
// cannot see a journal that answers before its fsync: the page cache
// survives them. This can.
//
// The node takes one through `node_options::storage_env`; `tillroll serve
// --inject-fault` arms one for the fail-stop tests of the binary.
#pragma once

#include "events/expected.hpp"

#include <cstdint>
#include <memory>
#include <random>
#include <string>

namespace rocksdb {
class Env;
} // namespace rocksdb

namespace tillroll {

/// Which files a fault applies to.
enum class fault_target : uint8_t {
  /// The write-ahead log (`*.log`), where every event is first written.
  wal,
  /// Every file RocksDB writes (tables, manifest, options, log).
  any,
};

class storage_faults {
public:
  /// Wraps the default (POSIX) file system.
  storage_faults();
  ~storage_faults();
  storage_faults(const storage_faults&) = delete;
  storage_faults& operator=(const storage_faults&) = delete;

  /// The environment to open the log with (event_log_options::env).
  std::shared_ptr<rocksdb::Env> env() const;

  /// After `passing` more fsyncs of `target` files succeed, the next one
  /// fails, once. Its file's unsynced bytes count as lost, as Linux may
  /// drop the dirty pages of a failed fsync; a later fsync of the same
  /// file reports success without bringing them back.
  void fail_sync_after(uint64_t passing, fault_target target);
  /// After `passing` more appends to `target` files, the next one fails,
  /// once, writing nothing.
  void fail_write_after(uint64_t passing, fault_target target);

  /// The power goes: from now on every append, fsync and new file fails.
  void power_loss();
  /// Whether power_loss() was called.
  bool powered_off() const;

  /// With the database closed: truncates every file written through this
  /// file system to what was durable at the power loss, and deletes new
  /// files no directory fsync covered. With `torn`, each file keeps a
  /// random part of its unsynced tail instead, sometimes with garbage at
  /// its end (a torn sector). Then power returns.
  [[nodiscard]] expected<void> drop_unsynced(std::mt19937_64* torn = nullptr);

  struct counts {
    uint64_t appends = 0;
    uint64_t syncs = 0;
    uint64_t directory_syncs = 0;
    uint64_t failed_appends = 0;
    uint64_t failed_syncs = 0;
    /// Bytes written but not durable, dropped or torn by drop_unsynced.
    uint64_t dropped_bytes = 0;
    uint64_t dropped_files = 0;
    uint64_t torn_files = 0;
  };
  counts stats() const;

  struct state;

private:
  std::shared_ptr<state> state_;
  std::shared_ptr<rocksdb::Env> env_;
};

} // namespace tillroll
