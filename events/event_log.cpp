#include "events/event_log.hpp"

#include "events/byte_order.hpp"
#include "events/keys.hpp"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <cassert>

namespace tillroll {

namespace {

// Order matters: it is the index of column_family.
// The metadata lives in RocksDB's default family, which always exists.
const char* const family_names[] = {"events", "global", "snapshots",
                                    "projections", "default"};

} // namespace

expected<void> from_status(const rocksdb::Status& status) {
  if (status.ok())
    return {};
  bool retryable = status.IsBusy() || status.IsTimedOut() ||
                   status.IsTryAgain() || status.IsIncomplete();
  auto code =
      status.IsCorruption() ? errc::corrupt_record : errc::storage_failure;
  return make_failure(code, "rocksdb: " + status.ToString(), retryable);
}

expected<std::unique_ptr<event_log>>
event_log::open(const event_log_options& options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  // The journal is the only writer of events; RocksDB's own write grouping
  // still helps projections and snapshots that write beside it.
  db_options.enable_pipelined_write = false;
  if (options.env)
    db_options.env = options.env.get();

  rocksdb::BlockBasedTableOptions table_options;
  table_options.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  rocksdb::ColumnFamilyOptions family_options;
  family_options.table_factory.reset(
      rocksdb::NewBlockBasedTableFactory(table_options));
  family_options.compression = rocksdb::kNoCompression;

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (auto name : family_names)
    descriptors.emplace_back(name, family_options);

  std::error_code ignored;
  if (options.create_if_missing)
    std::filesystem::create_directories(options.directory, ignored);
  std::unique_ptr<event_log> log{new event_log};
  log->directory_ = options.directory;
  log->env_ = options.env;
  rocksdb::DB* raw = nullptr;
  if (!options.create_if_missing &&
      !std::filesystem::exists(options.directory / "CURRENT"))
    return make_failure(errc::not_found,
                        "no tillroll data in " + options.directory.string());
  auto status =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions{db_options},
                                         options.directory.string(),
                                         descriptors, &log->families_, &raw)
          : rocksdb::DB::Open(rocksdb::DBOptions{db_options},
                              options.directory.string(), descriptors,
                              &log->families_, &raw);
  if (auto ok = from_status(status); !ok)
    return std::move(ok).error();
  log->database_.reset(raw);
  return log;
}

event_log::~event_log() {
  if (database_) {
    // Handles must go before the database closes.
    for (auto* handle : families_)
      database_->DestroyColumnFamilyHandle(handle);
    families_.clear();
    database_->Close().PermitUncheckedError();
  }
}

rocksdb::ColumnFamilyHandle* event_log::family(column_family which) const {
  return families_[static_cast<size_t>(which)];
}

expected<void> event_log::read_stream(
    std::string_view stream_id, uint64_t from_sequence, uint64_t to_sequence,
    const std::function<bool(const recorded_event&)>& visit) const {
  if (from_sequence > to_sequence)
    return {};
  // A stream's keys are `id \0 seq`, so `id \1` bounds all of them.
  auto upper = to_sequence == UINT64_MAX
                   ? std::string{stream_id} + '\x01'
                   : stream_key(stream_id, to_sequence + 1);
  rocksdb::Slice upper_slice{upper};
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper_slice;
  read_options.adaptive_readahead = true;
  // Every record carries its own CRC-32C, checked below together with the
  // stream id and an unbroken sequence; checking each block's checksum as
  // well doubled the cost of replay.
  read_options.verify_checksums = false;
  std::unique_ptr<rocksdb::Iterator> iterator{
      database_->NewIterator(read_options, family(column_family::events))};
  auto expected_sequence = std::max<uint64_t>(from_sequence, 1);
  recorded_event event;
  for (iterator->Seek(stream_key(stream_id, expected_sequence));
       iterator->Valid(); iterator->Next()) {
    auto value = iterator->value();
    if (auto decoded = decode_record_into({value.data(), value.size()}, event);
        !decoded)
      return decoded;
    if (event.sequence != expected_sequence || event.stream_id != stream_id)
      return make_failure(errc::corrupt_record,
                          "stream " + std::string{stream_id} +
                              " has a hole or a misplaced record at sequence " +
                              std::to_string(expected_sequence));
    ++expected_sequence;
    if (!visit(event))
      return {};
  }
  return from_status(iterator->status());
}

expected<std::vector<recorded_event>>
event_log::read_global(uint64_t from_position, size_t limit) const {
  std::vector<recorded_event> result;
  std::vector<std::string> stream_keys;
  {
    std::unique_ptr<rocksdb::Iterator> iterator{database_->NewIterator(
        rocksdb::ReadOptions{}, family(column_family::global))};
    // The append holding `from_position` starts at or before it.
    iterator->SeekForPrev(position_key(from_position));
    if (!iterator->Valid())
      iterator->Seek(position_key(from_position));
    for (; iterator->Valid() && stream_keys.size() < limit; iterator->Next()) {
      auto key = iterator->key();
      auto value = iterator->value();
      auto range = parse_global_entry({value.data(), value.size()});
      if (!range || key.size() != 8)
        return make_failure(errc::corrupt_record,
                            "malformed global order entry");
      auto first = read_big_endian({key.data(), key.size()});
      for (uint64_t index = 0;
           index < range->count && stream_keys.size() < limit; ++index)
        if (first + index >= from_position)
          stream_keys.emplace_back(
              stream_key(range->stream_id, range->first_sequence + index));
    }
    if (auto ok = from_status(iterator->status()); !ok)
      return std::move(ok).error();
  }
  if (stream_keys.empty())
    return result;
  std::vector<rocksdb::Slice> keys{stream_keys.begin(), stream_keys.end()};
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  database_->MultiGet(rocksdb::ReadOptions{}, family(column_family::events),
                      keys.size(), keys.data(), values.data(), statuses.data());
  result.reserve(keys.size());
  for (size_t index = 0; index < keys.size(); ++index) {
    if (auto ok = from_status(statuses[index]); !ok)
      return std::move(ok).error();
    auto event = decode_record({values[index].data(), values[index].size()});
    if (!event)
      return std::move(event).error();
    result.emplace_back(std::move(*event));
  }
  return result;
}

expected<uint64_t> event_log::stream_head(std::string_view stream_id) const {
  auto prefix = stream_prefix(stream_id);
  rocksdb::ReadOptions read_options;
  rocksdb::Slice lower{prefix};
  read_options.iterate_lower_bound = &lower;
  std::unique_ptr<rocksdb::Iterator> iterator{
      database_->NewIterator(read_options, family(column_family::events))};
  iterator->SeekForPrev(stream_key(stream_id, UINT64_MAX));
  if (!iterator->Valid())
    return from_status(iterator->status())
               ? expected<uint64_t>{uint64_t{0}}
               : expected<uint64_t>{make_failure(
                     errc::storage_failure, iterator->status().ToString())};
  auto key = iterator->key();
  if (key.size() != prefix.size() + 8 || !key.starts_with(prefix))
    return uint64_t{0};
  return stream_key_sequence({key.data(), key.size()});
}

expected<uint64_t> event_log::last_position() const {
  std::unique_ptr<rocksdb::Iterator> iterator{database_->NewIterator(
      rocksdb::ReadOptions{}, family(column_family::global))};
  iterator->SeekToLast();
  if (!iterator->Valid()) {
    if (auto ok = from_status(iterator->status()); !ok)
      return std::move(ok).error();
    return uint64_t{0};
  }
  auto key = iterator->key();
  auto value = iterator->value();
  auto range = parse_global_entry({value.data(), value.size()});
  if (key.size() != 8 || !range)
    return make_failure(errc::corrupt_record, "malformed global order entry");
  return read_big_endian({key.data(), key.size()}) + range->count - 1;
}

expected<std::optional<std::string>>
event_log::get(column_family which, std::string_view key) const {
  std::string value;
  auto status = database_->Get(rocksdb::ReadOptions{}, family(which),
                               rocksdb::Slice{key.data(), key.size()}, &value);
  if (status.IsNotFound())
    return std::optional<std::string>{};
  if (auto ok = from_status(status); !ok)
    return std::move(ok).error();
  return std::optional<std::string>{std::move(value)};
}

expected<void>
event_log::scan(column_family which, std::string_view prefix,
                const std::function<bool(std::string_view, std::string_view)>&
                    visit) const {
  return scan_from(which, prefix, prefix, visit);
}

expected<void> event_log::scan_from(
    column_family which, std::string_view prefix, std::string_view from,
    const std::function<bool(std::string_view, std::string_view)>& visit)
    const {
  std::unique_ptr<rocksdb::Iterator> iterator{
      database_->NewIterator(rocksdb::ReadOptions{}, family(which))};
  rocksdb::Slice prefix_slice{prefix.data(), prefix.size()};
  auto start = std::max(from, prefix);
  for (iterator->Seek(rocksdb::Slice{start.data(), start.size()});
       iterator->Valid() && iterator->key().starts_with(prefix_slice);
       iterator->Next()) {
    auto key = iterator->key();
    auto value = iterator->value();
    if (!visit({key.data(), key.size()}, {value.data(), value.size()}))
      break;
  }
  return from_status(iterator->status());
}

expected<void> event_log::erase_prefix(rocksdb::WriteBatch& batch,
                                       column_family which,
                                       std::string_view prefix) const {
  return scan(which, prefix, [&](std::string_view key, std::string_view) {
    batch.Delete(family(which), rocksdb::Slice{key.data(), key.size()});
    return true;
  });
}

expected<void> event_log::write(rocksdb::WriteBatch& batch, bool sync,
                                bool disable_wal) {
  rocksdb::WriteOptions write_options;
  write_options.sync = sync;
  write_options.disableWAL = disable_wal;
  std::lock_guard guard{io_mutex_};
  if (io_failed_)
    return *io_failed_;
  auto written = from_status(database_->Write(write_options, &batch));
  if (!written && !written.error().retryable) {
    io_failed_ = written.error();
    io_failed_flag_.store(true, std::memory_order_release);
  }
  return written;
}

expected<void> event_log::put(column_family which, std::string_view key,
                              std::string_view value, bool sync) {
  // The journal alone writes events and their global order.
  assert(which != column_family::events && which != column_family::global);
  rocksdb::WriteBatch batch;
  batch.Put(family(which), rocksdb::Slice{key.data(), key.size()},
            rocksdb::Slice{value.data(), value.size()});
  return write(batch, sync);
}

expected<void> event_log::sync_wal() {
  std::lock_guard guard{io_mutex_};
  if (io_failed_)
    return *io_failed_;
  auto synced = from_status(database_->SyncWAL());
  if (!synced && !synced.error().retryable) {
    io_failed_ = synced.error();
    io_failed_flag_.store(true, std::memory_order_release);
  }
  return synced;
}

std::optional<failure> event_log::io_failure() const {
  // Asked on every routed command: the mutex is held through each fsync,
  // so only a log that has failed takes it.
  if (!io_failed_flag_.load(std::memory_order_acquire))
    return std::nullopt;
  std::lock_guard guard{io_mutex_};
  return io_failed_;
}

} // namespace tillroll
