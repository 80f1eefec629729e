// A projection: one read model fed by the global log. It keeps its model in
// memory and persists each change through a projection_writer, which the
// runner commits in one WriteBatch with the new offset: each event takes
// effect exactly once, even across a crash.
#pragma once

#include "events/envelope.hpp"
#include "events/expected.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace rocksdb {
class WriteBatch;
} // namespace rocksdb

namespace tillroll {

class event_log;

/// Records a projection's persisted changes under its own key prefix. A
/// key changed many times in one batch (a hot SKU's level, an order's
/// summary) is written once, with its last value.
class projection_writer {
public:
  projection_writer(event_log& log, rocksdb::WriteBatch& batch,
                    std::string prefix)
      : log_(log), batch_(batch), prefix_(std::move(prefix)) {}

  void put(std::string_view key, std::string_view value);
  void erase(std::string_view key);
  /// Adds the last change of every key to the batch.
  void flush();

private:
  event_log& log_;
  rocksdb::WriteBatch& batch_;
  std::string prefix_;
  // nullopt: erased.
  std::unordered_map<std::string, std::optional<std::string>> changes_;
};

class projection {
public:
  virtual ~projection() = default;

  /// Unique, stable; names the keys of its model and its offset.
  virtual std::string_view name() const = 0;

  /// Rebuilds the in-memory model from its persisted entries (called with
  /// each key without the prefix), before tailing resumes.
  virtual expected<void> load_entry(std::string_view key,
                                    std::string_view value) = 0;

  /// Applies one event from the global log, in order.
  virtual expected<void> apply(const recorded_event& event,
                               projection_writer& changes) = 0;

  /// Called after each applied batch, before its changes and offset are
  /// written, and once after loading: a model with a store of its own
  /// (the search index) makes its changes durable here, so they are never
  /// behind the offset. Applying an event again must be harmless.
  virtual expected<void> commit() { return {}; }

  /// Forgets the in-memory model before a rebuild from zero.
  virtual void reset() = 0;

  /// Also fed the other members' logs (events/replica_log.hpp): a read
  /// model answers for the whole cluster; one with effects outside the
  /// node (the notifier) sees this member's events only.
  virtual bool replicated() const { return true; }
};

} // namespace tillroll
