#include "projections/stream_counts/stream_counts.hpp"

#include "events/byte_order.hpp"
#include "events/keys.hpp"

namespace tillroll {

expected<void> stream_counts::load_entry(std::string_view key,
                                         std::string_view value) {
  if (value.size() != 16)
    return make_failure(errc::corrupt_record, "malformed stream count");
  std::lock_guard guard{mutex_};
  counts_[std::string{key}] =
      kind_counts{read_big_endian(value), read_big_endian(value.substr(8))};
  return {};
}

expected<void> stream_counts::apply(const recorded_event& event,
                                    projection_writer& changes) {
  auto kind = stream_kind(event.stream_id);
  std::lock_guard guard{mutex_};
  auto found = counts_.find(kind);
  if (found == counts_.end())
    found = counts_.emplace(std::string{kind}, kind_counts{}).first;
  auto& counts = found->second;
  counts.events += 1;
  if (event.sequence == 1)
    counts.streams += 1;
  std::string value;
  append_big_endian(value, counts.streams);
  append_big_endian(value, counts.events);
  changes.put(kind, value);
  return {};
}

void stream_counts::reset() {
  std::lock_guard guard{mutex_};
  counts_.clear();
}

std::map<std::string, kind_counts> stream_counts::counts() const {
  std::lock_guard guard{mutex_};
  return {counts_.begin(), counts_.end()};
}

} // namespace tillroll
