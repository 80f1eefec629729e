#include "events/storage_faults.hpp"

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace tillroll {

struct storage_faults::state {
  struct file {
    uint64_t size = 0;
    uint64_t synced = 0;
    /// Set by a failed fsync: from here on the bytes are gone.
    std::optional<uint64_t> lost_from;
    /// A directory fsync has made the file's name durable.
    bool named = false;
  };

  mutable std::mutex mutex;
  std::map<std::string, file> files;
  bool powered_off = false;
  struct armed {
    std::optional<uint64_t> passing;
    fault_target target = fault_target::wal;
  };
  armed sync_fault;
  armed write_fault;
  counts totals;

  static bool matches(fault_target target, const std::string& path) {
    return target == fault_target::any || path.ends_with(".log");
  }

  /// Whether an armed fault fires for this operation (under mutex).
  static bool fires(armed& fault, const std::string& path) {
    if (!fault.passing || !matches(fault.target, path))
      return false;
    if (*fault.passing > 0) {
      --*fault.passing;
      return false;
    }
    fault.passing.reset();
    return true;
  }
};

namespace {

using state = storage_faults::state;

rocksdb::IOStatus power_is_off() {
  return rocksdb::IOStatus::IOError("injected: the power is off");
}

class faulty_file final : public rocksdb::FSWritableFileOwnerWrapper {
public:
  faulty_file(std::unique_ptr<rocksdb::FSWritableFile> file,
              std::shared_ptr<state> shared, std::string path)
      : FSWritableFileOwnerWrapper(std::move(file)), state_(std::move(shared)),
        path_(std::move(path)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* debug) override {
    if (auto refused = before_append(); !refused.ok())
      return refused;
    auto status = target()->Append(data, options, debug);
    after_append(status, data.size());
    return status;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* debug) override {
    if (auto refused = before_append(); !refused.ok())
      return refused;
    auto status = target()->Append(data, options, info, debug);
    after_append(status, data.size());
    return status;
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data,
                                     uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* debug) override {
    if (auto refused = before_append(); !refused.ok())
      return refused;
    auto status = target()->PositionedAppend(data, offset, options, debug);
    if (status.ok()) {
      std::lock_guard guard{state_->mutex};
      auto& file = state_->files[path_];
      file.size = std::max(file.size, offset + data.size());
    }
    return status;
  }
  rocksdb::IOStatus Truncate(uint64_t size, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* debug) override {
    auto status = target()->Truncate(size, options, debug);
    if (status.ok()) {
      std::lock_guard guard{state_->mutex};
      auto& file = state_->files[path_];
      file.size = size;
      file.synced = std::min(file.synced, size);
    }
    return status;
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                         rocksdb::IODebugContext* debug) override {
    return sync([&] { return target()->Sync(options, debug); });
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* debug) override {
    return sync([&] { return target()->Fsync(options, debug); });
  }
  // A range sync makes no promise of durability, so it moves nothing.

private:
  rocksdb::IOStatus before_append() {
    std::lock_guard guard{state_->mutex};
    if (state_->powered_off) {
      ++state_->totals.failed_appends;
      return power_is_off();
    }
    if (state::fires(state_->write_fault, path_)) {
      ++state_->totals.failed_appends;
      return rocksdb::IOStatus::IOError("injected: write failed");
    }
    return rocksdb::IOStatus::OK();
  }
  void after_append(const rocksdb::IOStatus& status, size_t bytes) {
    if (!status.ok())
      return;
    std::lock_guard guard{state_->mutex};
    ++state_->totals.appends;
    state_->files[path_].size += bytes;
  }
  template <class Forward> rocksdb::IOStatus sync(Forward forward) {
    uint64_t size = 0;
    {
      std::lock_guard guard{state_->mutex};
      auto& file = state_->files[path_];
      if (state_->powered_off) {
        ++state_->totals.failed_syncs;
        return power_is_off();
      }
      if (state::fires(state_->sync_fault, path_)) {
        ++state_->totals.failed_syncs;
        if (!file.lost_from)
          file.lost_from = file.synced;
        return rocksdb::IOStatus::IOError("injected: fsync failed");
      }
      size = file.size;
    }
    auto status = forward();
    if (status.ok()) {
      std::lock_guard guard{state_->mutex};
      ++state_->totals.syncs;
      auto& file = state_->files[path_];
      // Only what was written before the fsync began is covered by it.
      file.synced = std::max(file.synced, size);
    }
    return status;
  }

  std::shared_ptr<state> state_;
  std::string path_;
};

class faulty_directory final : public rocksdb::FSDirectoryWrapper {
public:
  faulty_directory(std::unique_ptr<rocksdb::FSDirectory> directory,
                   std::shared_ptr<state> shared, std::string path)
      : FSDirectoryWrapper(std::move(directory)), state_(std::move(shared)),
        path_(std::filesystem::path{path}.lexically_normal()) {
    if (!path_.has_filename())
      path_ = path_.parent_path();
  }

  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* debug) override {
    return sync([&] { return FSDirectoryWrapper::Fsync(options, debug); });
  }
  rocksdb::IOStatus
  FsyncWithDirOptions(const rocksdb::IOOptions& options,
                      rocksdb::IODebugContext* debug,
                      const rocksdb::DirFsyncOptions& dir_options) override {
    return sync([&] {
      return FSDirectoryWrapper::FsyncWithDirOptions(options, debug,
                                                     dir_options);
    });
  }

private:
  template <class Forward> rocksdb::IOStatus sync(Forward forward) {
    std::vector<std::string> covered;
    {
      std::lock_guard guard{state_->mutex};
      if (state_->powered_off)
        return power_is_off();
      for (auto& [path, file] : state_->files)
        if (std::filesystem::path{path}.parent_path() == path_)
          covered.push_back(path);
    }
    auto status = forward();
    if (status.ok()) {
      std::lock_guard guard{state_->mutex};
      ++state_->totals.directory_syncs;
      for (auto& path : covered)
        if (auto found = state_->files.find(path); found != state_->files.end())
          found->second.named = true;
    }
    return status;
  }

  std::shared_ptr<state> state_;
  std::filesystem::path path_;
};

class faulty_file_system final : public rocksdb::FileSystemWrapper {
public:
  explicit faulty_file_system(std::shared_ptr<state> shared)
      : FileSystemWrapper(rocksdb::FileSystem::Default()),
        state_(std::move(shared)) {}

  const char* Name() const override { return "tillroll.storage_faults"; }

  rocksdb::IOStatus
  NewWritableFile(const std::string& path, const rocksdb::FileOptions& options,
                  std::unique_ptr<rocksdb::FSWritableFile>* result,
                  rocksdb::IODebugContext* debug) override {
    if (off())
      return power_is_off();
    auto status = target()->NewWritableFile(path, options, result, debug);
    if (status.ok())
      track(path, result, false);
    return status;
  }
  rocksdb::IOStatus
  ReopenWritableFile(const std::string& path,
                     const rocksdb::FileOptions& options,
                     std::unique_ptr<rocksdb::FSWritableFile>* result,
                     rocksdb::IODebugContext* debug) override {
    if (off())
      return power_is_off();
    auto status = target()->ReopenWritableFile(path, options, result, debug);
    if (status.ok())
      track(path, result, true);
    return status;
  }
  rocksdb::IOStatus
  ReuseWritableFile(const std::string& path, const std::string& old_path,
                    const rocksdb::FileOptions& options,
                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                    rocksdb::IODebugContext* debug) override {
    if (off())
      return power_is_off();
    auto status =
        target()->ReuseWritableFile(path, old_path, options, result, debug);
    if (status.ok()) {
      forget(old_path);
      track(path, result, false);
    }
    return status;
  }
  rocksdb::IOStatus NewDirectory(const std::string& path,
                                 const rocksdb::IOOptions& options,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* debug) override {
    auto status = target()->NewDirectory(path, options, result, debug);
    if (status.ok())
      *result = std::make_unique<faulty_directory>(std::move(*result), state_,
                                                   normalized(path));
    return status;
  }
  rocksdb::IOStatus DeleteFile(const std::string& path,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* debug) override {
    if (off())
      return power_is_off();
    auto status = target()->DeleteFile(path, options, debug);
    if (status.ok())
      forget(path);
    return status;
  }
  rocksdb::IOStatus RenameFile(const std::string& from, const std::string& to,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* debug) override {
    if (off())
      return power_is_off();
    auto status = target()->RenameFile(from, to, options, debug);
    if (status.ok()) {
      // The file keeps what it had made durable; the rename itself is
      // taken as durable (RocksDB fsyncs the directory after renaming
      // CURRENT), which is weaker than a real power loss may be.
      std::lock_guard guard{state_->mutex};
      auto found = state_->files.find(normalized(from));
      if (found != state_->files.end()) {
        auto moved = found->second;
        state_->files.erase(found);
        state_->files[normalized(to)] = moved;
      }
    }
    return status;
  }

private:
  static std::string normalized(const std::string& path) {
    return std::filesystem::path{path}.lexically_normal().string();
  }
  bool off() const {
    std::lock_guard guard{state_->mutex};
    return state_->powered_off;
  }
  void track(const std::string& path,
             std::unique_ptr<rocksdb::FSWritableFile>* result, bool reopened) {
    auto name = normalized(path);
    {
      std::lock_guard guard{state_->mutex};
      state::file tracked;
      if (reopened) {
        // What was there before we saw it is taken as durable.
        std::error_code ignored;
        auto size = std::filesystem::file_size(name, ignored);
        tracked.size = tracked.synced = ignored ? 0 : size;
        tracked.named = true;
      }
      state_->files[name] = tracked;
    }
    *result = std::make_unique<faulty_file>(std::move(*result), state_, name);
  }
  void forget(const std::string& path) {
    std::lock_guard guard{state_->mutex};
    state_->files.erase(normalized(path));
  }

  std::shared_ptr<state> state_;
};

} // namespace

storage_faults::storage_faults() : state_(std::make_shared<state>()) {
  env_ = rocksdb::NewCompositeEnv(std::make_shared<faulty_file_system>(state_));
}

storage_faults::~storage_faults() = default;

std::shared_ptr<rocksdb::Env> storage_faults::env() const {
  return env_;
}

void storage_faults::fail_sync_after(uint64_t passing, fault_target target) {
  std::lock_guard guard{state_->mutex};
  state_->sync_fault = {passing, target};
}

void storage_faults::fail_write_after(uint64_t passing, fault_target target) {
  std::lock_guard guard{state_->mutex};
  state_->write_fault = {passing, target};
}

void storage_faults::power_loss() {
  std::lock_guard guard{state_->mutex};
  state_->powered_off = true;
}

bool storage_faults::powered_off() const {
  std::lock_guard guard{state_->mutex};
  return state_->powered_off;
}

expected<void> storage_faults::drop_unsynced(std::mt19937_64* torn) {
  std::lock_guard guard{state_->mutex};
  for (auto& [path, file] : state_->files) {
    std::error_code error;
    auto on_disk = std::filesystem::file_size(path, error);
    if (error)
      continue; // never created, or already gone
    if (!file.named) {
      state_->totals.dropped_bytes += on_disk;
      ++state_->totals.dropped_files;
      std::filesystem::remove(path, error);
      if (error)
        return make_failure(errc::storage_failure,
                            "cannot drop " + path + ": " + error.message());
      continue;
    }
    auto durable = std::min<uint64_t>(
        file.lost_from ? std::min(*file.lost_from, file.synced) : file.synced,
        on_disk);
    auto keep = durable;
    bool garbage = false;
    if (torn != nullptr && on_disk > durable && !file.lost_from) {
      keep = durable + std::uniform_int_distribution<uint64_t>{
                           0, on_disk - durable}(*torn);
      garbage = keep > durable && (*torn)() % 2 == 0;
      ++state_->totals.torn_files;
    }
    state_->totals.dropped_bytes += on_disk - keep;
    std::filesystem::resize_file(path, keep, error);
    if (error)
      return make_failure(errc::storage_failure,
                          "cannot truncate " + path + ": " + error.message());
    if (garbage) {
      // A sector written halfway: the last bytes kept are noise.
      auto length = std::min<uint64_t>(keep - durable, 1 + (*torn)() % 16);
      std::fstream stream{path,
                          std::ios::in | std::ios::out | std::ios::binary};
      stream.seekp(static_cast<std::streamoff>(keep - length));
      for (uint64_t index = 0; index < length; ++index)
        stream.put(static_cast<char>((*torn)() & 0xff));
      if (!stream)
        return make_failure(errc::storage_failure, "cannot tear " + path);
    }
  }
  state_->files.clear();
  state_->powered_off = false;
  state_->sync_fault = {};
  state_->write_fault = {};
  return {};
}

storage_faults::counts storage_faults::stats() const {
  std::lock_guard guard{state_->mutex};
  return state_->totals;
}

} // namespace tillroll
