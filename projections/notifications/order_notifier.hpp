// The notifier: delivers every order_notification event to a sink. The
// built-in sink appends JSON lines to a file in the data directory; the
// interface is where webhooks or e-mail go later. Delivery is at least
// once: after a crash a batch may be delivered again, so each line carries
// the event's global position for the receiver to deduplicate.
#pragma once

#include "projections/projection.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

namespace tillroll {

class notification_sink {
public:
  virtual ~notification_sink() = default;
  virtual void deliver(uint64_t position, const std::string& order_id,
                       const std::string& buyer_id, const std::string& status,
                       int64_t at_us) = 0;
};

/// Appends one JSON line per notification to a file.
class file_notification_sink final : public notification_sink {
public:
  explicit file_notification_sink(const std::filesystem::path& path);
  ~file_notification_sink() override;
  void deliver(uint64_t position, const std::string& order_id,
               const std::string& buyer_id, const std::string& status,
               int64_t at_us) override;

private:
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
};

class order_notifier final : public projection {
public:
  explicit order_notifier(std::shared_ptr<notification_sink> sink)
      : sink_(std::move(sink)) {}
  std::string_view name() const override { return "order_notifier"; }
  /// Each member tells of its own orders only, so a buyer hears once.
  bool replicated() const override { return false; }
  expected<void> load_entry(std::string_view, std::string_view) override {
    return {};
  }
  expected<void> apply(const recorded_event& event,
                       projection_writer& changes) override;
  void reset() override {}

private:
  std::shared_ptr<notification_sink> sink_;
};

} // namespace tillroll
