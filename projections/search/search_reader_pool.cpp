#include "projections/search/search_reader_pool.hpp"

namespace tillroll {

search_reader_pool::search_reader_pool(std::filesystem::path directory)
    : directory_(std::move(directory)) {}

search_reader_pool::~search_reader_pool() = default;

std::unique_ptr<search_reader_pool::reader> search_reader_pool::take() {
  std::unique_ptr<reader> taken;
  {
    std::lock_guard guard{mutex_};
    if (!kept_.empty()) {
      taken = std::move(kept_.back());
      kept_.pop_back();
    }
  }
  auto generation = generation_.load();
  if (!taken) {
    taken = std::make_unique<reader>();
    taken->database = Xapian::Database{directory_.string()};
  } else if (taken->generation != generation) {
    taken->database.reopen();
  }
  taken->generation = generation;
  return taken;
}

void search_reader_pool::give_back(std::unique_ptr<reader> used) {
  std::lock_guard guard{mutex_};
  if (kept_.size() < readers_kept_max)
    kept_.push_back(std::move(used));
}

void search_reader_pool::index_changed() {
  ++generation_;
}

void search_reader_pool::clear() {
  std::lock_guard guard{mutex_};
  kept_.clear();
}

} // namespace tillroll
