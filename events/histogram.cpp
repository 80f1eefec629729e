#include "events/histogram.hpp"

#include <algorithm>

namespace tillroll {

histogram::histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      buckets_(new std::atomic<uint64_t>[upper_bounds_.size() + 1]) {
  for (size_t index = 0; index <= upper_bounds_.size(); ++index)
    buckets_[index] = 0;
}

void histogram::record(double value) noexcept {
  auto position =
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) -
      upper_bounds_.begin();
  buckets_[position].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (value > 0)
    sum_micro_.fetch_add(static_cast<uint64_t>(value * 1e6),
                         std::memory_order_relaxed);
}

double histogram::sum() const noexcept {
  return static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6;
}

std::vector<uint64_t> histogram::bucket_counts() const {
  std::vector<uint64_t> result(upper_bounds_.size() + 1);
  for (size_t index = 0; index < result.size(); ++index)
    result[index] = buckets_[index].load(std::memory_order_relaxed);
  return result;
}

} // namespace tillroll
