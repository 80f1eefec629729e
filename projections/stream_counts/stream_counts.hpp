// Streams and events per entity kind: the smallest real read model, kept to
// prove the projection runner end to end and shown in /metrics.
#pragma once

#include "projections/projection.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace tillroll {

struct kind_counts {
  uint64_t streams = 0;
  uint64_t events = 0;
  bool operator==(const kind_counts&) const = default;
};

class stream_counts final : public projection {
public:
  std::string_view name() const override { return "stream_counts"; }
  expected<void> load_entry(std::string_view key,
                            std::string_view value) override;
  expected<void> apply(const recorded_event& event,
                       projection_writer& changes) override;
  void reset() override;

  /// A copy of the counts by kind; safe from any thread.
  std::map<std::string, kind_counts> counts() const;

private:
  mutable std::mutex mutex_;
  std::map<std::string, kind_counts, std::less<>> counts_;
};

} // namespace tillroll
