// A fixed-bucket histogram safe to record from any thread, rendered as a
// Prometheus histogram. Buckets are fixed at construction: bounded memory.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
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

  /// Appends `name_bucket{le=..}`, `name_sum` and `name_count` lines;
  /// `labels` is either empty or `key="value",...` without braces.
  void render_prometheus(std::string& out, std::string_view name,
                         std::string_view labels = {}) const;

private:
  std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  // Micro-units of the recorded value, so the sum stays an integer atomic.
  std::atomic<uint64_t> sum_micro_{0};
};

} // namespace tillroll
