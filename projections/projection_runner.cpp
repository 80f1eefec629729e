#include "projections/projection_runner.hpp"

#include "events/byte_order.hpp"
#include "events/event_log.hpp"
#include "events/journal.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdio>

namespace tillroll {

void projection_writer::put(std::string_view key, std::string_view value) {
  changes_[std::string{key}] = std::string{value};
}

void projection_writer::erase(std::string_view key) {
  changes_[std::string{key}] = std::nullopt;
}

void projection_writer::flush() {
  auto* family = log_.family(column_family::projections);
  for (auto& [key, value] : changes_) {
    if (value)
      batch_.Put(family, prefix_ + key, *value);
    else
      batch_.Delete(family, prefix_ + key);
  }
  changes_.clear();
}

projection_runner::projection_runner(event_log& log, journal* tail,
                                     std::unique_ptr<projection> model,
                                     projection_runner_options options)
    : log_(log), tail_(tail), model_(std::move(model)),
      options_(std::move(options)),
      replica_offsets_(
          new std::atomic<uint64_t>[options_.replica_members.size()] {}) {}

projection_runner::~projection_runner() {
  stop();
}

std::string projection_runner::offset_key() const {
  return "offset/" + std::string{model_->name()};
}

std::string
projection_runner::replica_offset_key(std::string_view member) const {
  return offset_key() + "@" + std::string{member};
}

projection_runner::source projection_runner::local_source() {
  return {&offset_, offset_key()};
}

std::string projection_runner::data_prefix() const {
  return "data/" + std::string{model_->name()} + "/";
}

expected<void> projection_runner::load() {
  std::lock_guard guard{running_};
  return load_locked();
}

expected<void> projection_runner::load_locked() {
  loaded_ = false;
  auto stored = log_.get(column_family::projections, offset_key());
  if (!stored)
    return std::move(stored).error();
  offset_ = *stored && (*stored)->size() == 8 ? read_big_endian(**stored) : 0;
  for (size_t index = 0; index < options_.replica_members.size(); ++index) {
    auto replica =
        log_.get(column_family::projections,
                 replica_offset_key(options_.replica_members[index]));
    if (!replica)
      return std::move(replica).error();
    replica_offsets_[index] =
        *replica && (*replica)->size() == 8 ? read_big_endian(**replica) : 0;
  }
  auto prefix = data_prefix();
  std::optional<failure> broken;
  auto scanned = log_.scan(column_family::projections, prefix,
                           [&](std::string_view key, std::string_view value) {
                             auto loaded = model_->load_entry(
                                 key.substr(prefix.size()), value);
                             if (!loaded)
                               broken = std::move(loaded).error();
                             return !broken;
                           });
  if (!scanned)
    return scanned;
  if (broken)
    return std::move(*broken);
  if (auto committed = model_->commit(); !committed)
    return committed;
  loaded_ = true;
  return {};
}

expected<size_t> projection_runner::run_once() {
  std::lock_guard guard{running_};
  auto limit = options_.batch_events_max;
  if (tail_ != nullptr) {
    // Written but not yet fsync'd events are visible in RocksDB; a read
    // model must not run ahead of what a crash would keep.
    auto committed = tail_->committed_position();
    limit = committed > offset_ ? std::min<uint64_t>(limit, committed - offset_)
                                : 0;
    if (limit == 0)
      return size_t{0};
  }
  auto events = log_.read_global(offset_ + 1, limit);
  if (!events)
    return std::move(events).error();
  return apply_locked(*events, local_source());
}

expected<size_t>
projection_runner::apply_batch(const std::vector<recorded_event>& events) {
  std::lock_guard guard{running_};
  return apply_locked(events, local_source());
}

expected<size_t> projection_runner::apply_replica_batch(
    std::string_view member, const std::vector<recorded_event>& events) {
  auto& members = options_.replica_members;
  auto found = std::find(members.begin(), members.end(), member);
  if (!model_->replicated() || found == members.end())
    return size_t{0};
  std::lock_guard guard{running_};
  return apply_locked(events, {&replica_offsets_[found - members.begin()],
                               replica_offset_key(member)});
}

uint64_t projection_runner::replica_offset(std::string_view member) const {
  auto& members = options_.replica_members;
  auto found = std::find(members.begin(), members.end(), member);
  return found == members.end()
             ? 0
             : replica_offsets_[found - members.begin()].load();
}

expected<size_t>
projection_runner::apply_locked(const std::vector<recorded_event>& events,
                                const source& from) {
  auto offset = from.offset->load();
  size_t first = 0;
  while (first < events.size() && events[first].position <= offset)
    ++first;
  if (first == events.size())
    return size_t{0};
  // A model whose reload failed is partial: applying to it would write
  // values computed from nothing over the persisted ones.
  if (!loaded_) {
    model_->reset();
    if (auto reloaded = load_locked(); !reloaded)
      return reloaded.error();
  }
  auto applied = stage_and_write(events, first, from);
  if (!applied) {
    // The model in memory took events whose write failed (a full disk is
    // enough): it is put back to what is persisted, so retrying the batch
    // cannot count them twice.
    model_->reset();
    if (auto reloaded = load_locked(); !reloaded)
      std::fprintf(stderr, "tillroll: projection %s cannot reload: %s\n",
                   std::string{name()}.c_str(),
                   reloaded.error().message.c_str());
  }
  return applied;
}

expected<size_t>
projection_runner::stage_and_write(const std::vector<recorded_event>& events,
                                   size_t first, const source& from) {
  auto offset = from.offset->load();
  rocksdb::WriteBatch batch;
  projection_writer changes{log_, batch, data_prefix()};
  for (size_t index = first; index < events.size(); ++index) {
    auto& event = events[index];
    if (event.position != offset + 1)
      return make_failure(errc::corrupt_record,
                          "global order has a hole at position " +
                              std::to_string(offset + 1));
    if (auto applied = model_->apply(event, changes); !applied)
      return applied.error();
    offset = event.position;
  }
  if (auto committed = model_->commit(); !committed)
    return committed.error();
  changes.flush();
  std::string offset_value;
  append_big_endian(offset_value, offset);
  batch.Put(log_.family(column_family::projections), from.offset_key,
            offset_value);
  if (auto written = log_.write(batch, false); !written)
    return std::move(written).error();
  *from.offset = offset;
  // Another member's events were recorded on its clock: only this
  // member's are timed.
  if (from.offset == &offset_) {
    auto now = now_timestamp();
    for (size_t index = first; index < events.size(); ++index)
      visibility_.record(std::max(
          0.0, std::chrono::duration<double>(now - events[index].recorded_at)
                   .count()));
  }
  return events.size() - first;
}

expected<void> projection_runner::reset() {
  std::lock_guard guard{running_};
  rocksdb::WriteBatch batch;
  if (auto erased =
          log_.erase_prefix(batch, column_family::projections, data_prefix());
      !erased)
    return erased;
  batch.Delete(log_.family(column_family::projections), offset_key());
  // Every member's offset: the copies of their logs are applied again.
  if (auto erased = log_.erase_prefix(batch, column_family::projections,
                                      offset_key() + "@");
      !erased)
    return erased;
  if (auto written = log_.write(batch, true); !written)
    return written;
  model_->reset();
  offset_ = 0;
  for (size_t index = 0; index < options_.replica_members.size(); ++index)
    replica_offsets_[index] = 0;
  loaded_ = true;
  return {};
}

void projection_runner::start() {
  stopping_ = false;
  thread_ = std::thread{[this] { run(); }};
}

void projection_runner::stop() {
  stopping_ = true;
  if (thread_.joinable())
    thread_.join();
}

void projection_runner::run() {
  while (!stopping_) {
    auto applied = run_once();
    if (!applied) {
      // A broken event stops this read model, not the node; it shows as lag.
      std::fprintf(stderr, "tillroll: projection %s: %s\n",
                   std::string{name()}.c_str(),
                   applied.error().message.c_str());
      std::this_thread::sleep_for(options_.idle_wait);
      continue;
    }
    if (*applied == 0 && tail_ != nullptr &&
        !tail_->wait_for_commit(offset_ + 1, options_.idle_wait) &&
        tail_->failed())
      std::this_thread::sleep_for(options_.idle_wait);
  }
}

uint64_t projection_runner::lag_events() const {
  uint64_t head = 0;
  if (tail_ != nullptr) {
    head = tail_->committed_position();
  } else if (auto last = log_.last_position()) {
    head = *last;
  }
  auto offset = offset_.load();
  return head > offset ? head - offset : 0;
}

std::chrono::milliseconds projection_runner::lag() const {
  if (lag_events() == 0)
    return std::chrono::milliseconds::zero();
  auto next = log_.read_global(offset_ + 1, 1);
  if (!next || next->empty())
    return std::chrono::milliseconds::zero();
  auto age = now_timestamp() - next->front().recorded_at;
  return std::max(std::chrono::milliseconds::zero(),
                  std::chrono::duration_cast<std::chrono::milliseconds>(age));
}

} // namespace tillroll
