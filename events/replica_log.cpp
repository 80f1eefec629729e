#include "events/replica_log.hpp"

#include "events/byte_order.hpp"
#include "events/event_log.hpp"

#include <rocksdb/write_batch.h>

#include <optional>

namespace tillroll {

namespace {

std::string records_prefix(std::string_view member) {
  return "replica/" + std::string{member} + "/";
}

std::string record_key(std::string_view member, uint64_t position) {
  auto key = records_prefix(member);
  append_big_endian(key, position);
  return key;
}

std::string head_key(std::string_view member) {
  return "replica-head/" + std::string{member};
}

} // namespace

std::string frame_records(const std::vector<recorded_event>& events) {
  std::string framed;
  for (auto& event : events) {
    auto record = encode_record(event);
    if (!framed.empty() &&
        framed.size() + 4 + record.size() > replica_batch_bytes_max)
      break;
    append_little_endian(framed, static_cast<uint32_t>(record.size()));
    framed += record;
  }
  return framed;
}

expected<std::vector<recorded_event>> unframe_records(std::string_view framed,
                                                      uint64_t first_position) {
  std::vector<recorded_event> events;
  auto next = first_position;
  byte_reader reader{framed};
  while (!reader.at_end()) {
    auto size = reader.read_integer<uint32_t>();
    auto record = reader.read_bytes(size);
    if (!reader.good())
      return make_failure(errc::corrupt_record, "a replica batch is cut short");
    auto event = decode_record(record);
    if (!event)
      return std::move(event).error();
    if (event->position != next)
      return make_failure(errc::corrupt_record,
                          "a replica batch skips position " +
                              std::to_string(next));
    events.push_back(std::move(*event));
    ++next;
  }
  return events;
}

expected<void> store_replica(event_log& log, std::string_view member,
                             const std::vector<recorded_event>& events) {
  if (events.empty())
    return {};
  rocksdb::WriteBatch batch;
  auto* family = log.family(column_family::projections);
  for (auto& event : events)
    batch.Put(family, record_key(member, event.position), encode_record(event));
  std::string head;
  append_big_endian(head, events.back().position);
  batch.Put(family, head_key(member), head);
  // Not synced: a copy lost in a crash is fetched again (see the header).
  return log.write(batch, false);
}

expected<std::vector<recorded_event>> read_replica(const event_log& log,
                                                   std::string_view member,
                                                   uint64_t from_position,
                                                   size_t limit) {
  std::vector<recorded_event> events;
  std::optional<failure> broken;
  auto scanned =
      log.scan_from(column_family::projections, records_prefix(member),
                    record_key(member, from_position),
                    [&](std::string_view, std::string_view value) {
                      auto event = decode_record(value);
                      if (!event) {
                        broken = std::move(event).error();
                        return false;
                      }
                      events.push_back(std::move(*event));
                      return events.size() < limit;
                    });
  if (!scanned)
    return std::move(scanned).error();
  if (broken)
    return std::move(*broken);
  return events;
}

expected<uint64_t> replica_head(const event_log& log, std::string_view member) {
  auto stored = log.get(column_family::projections, head_key(member));
  if (!stored)
    return std::move(stored).error();
  return *stored && (*stored)->size() == 8 ? read_big_endian(**stored) : 0;
}

} // namespace tillroll
