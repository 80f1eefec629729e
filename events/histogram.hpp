// A fixed-bucket histogram safe to record from any thread without a lock:
// the journal records every batch and fsync in one (prometheus-cpp's
// Histogram takes a mutex per observation), and app/node_metrics.cpp
// hands its counts to prometheus-cpp at each scrape. Buckets are fixed at
// construction: bounded memory.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace tillroll {

class histogram {
public:
  /// `upper_bounds` ascending; a last +Inf bucket is implied.
  explicit histogram(std::vector<double> upper_bounds);

  void record(double value) noexcept;

  uint64_t count() const noexcept {
    return count_.load(std::memory_order_relaxed);
  }
  double sum() const noexcept;
  /// Counts per bucket, not cumulative; the last is the +Inf bucket.
  std::vector<uint64_t> bucket_counts() const;
  const std::vector<double>& upper_bounds() const { return upper_bounds_; }

private:
  std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  // Micro-units of the recorded value, so the sum stays an integer atomic.
  std::atomic<uint64_t> sum_micro_{0};
};

} // namespace tillroll
