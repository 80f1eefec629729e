#include "snapshots/snapshot_store.hpp"

#include "events/byte_order.hpp"
#include "events/checksum.hpp"
#include "events/event_log.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

namespace tillroll {

// Record: crc32c(u32) | version(u16) | sequence(u64) | state bytes.

expected<std::optional<snapshot>>
snapshot_store::load(std::string_view stream_id) const {
  auto stored = log_.get(column_family::snapshots, stream_id);
  if (!stored)
    return std::move(stored).error();
  if (!*stored)
    return std::optional<snapshot>{};
  std::string_view bytes{**stored};
  byte_reader reader{bytes};
  auto checksum = reader.read_integer<uint32_t>();
  if (!reader.good() || checksum != crc32c(bytes.substr(4)))
    return make_failure(errc::corrupt_record,
                        "snapshot checksum mismatch for " +
                            std::string{stream_id});
  snapshot result;
  result.version = reader.read_integer<uint16_t>();
  result.sequence = reader.read_integer<uint64_t>();
  if (!reader.good())
    return make_failure(errc::corrupt_record, "snapshot truncated");
  result.state = bytes.substr(14);
  return std::optional<snapshot>{std::move(result)};
}

expected<void> snapshot_store::save(std::string_view stream_id,
                                    const snapshot& taken) {
  std::string record(4, '\0');
  append_little_endian<uint16_t>(record, taken.version);
  append_little_endian<uint64_t>(record, taken.sequence);
  record.append(taken.state);
  std::string checksum;
  append_little_endian<uint32_t>(checksum,
                                 crc32c(std::string_view{record}.substr(4)));
  record.replace(0, 4, checksum);
  rocksdb::WriteBatch batch;
  batch.Put(log_.family(column_family::snapshots),
            rocksdb::Slice{stream_id.data(), stream_id.size()}, record);
  return log_.write(batch, false);
}

} // namespace tillroll
