// Open Xapian readers of the search index, kept between queries so that a
// query does not pay for opening the index's files; a kept reader reopens
// on the newest revision after a commit. Safe from any thread.
#pragma once

#include <xapian.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

namespace tillroll {

/// Readers kept open between queries; more run at once if needed.
inline constexpr size_t readers_kept_max = 8;

class search_reader_pool {
public:
  struct reader {
    Xapian::Database database;
    uint64_t generation = 0;
  };

  explicit search_reader_pool(std::filesystem::path directory);
  ~search_reader_pool();

  /// A reader on the newest committed revision. Throws Xapian::Error.
  std::unique_ptr<reader> take();
  /// A reader that threw is not given back: it may be broken.
  void give_back(std::unique_ptr<reader> used);
  /// The index committed or was removed: readers taken from now on reopen.
  void index_changed();
  /// The index was removed: no kept reader may be used again.
  void clear();

private:
  std::filesystem::path directory_;
  std::atomic<uint64_t> generation_{0};
  std::mutex mutex_;
  std::vector<std::unique_ptr<reader>> kept_;
};

} // namespace tillroll
