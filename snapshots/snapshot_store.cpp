#include "snapshots/snapshot_store.hpp"

#include "events/byte_order.hpp"
#include "events/checksum.hpp"
#include "events/event_log.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

namespace tillroll {

/// Bytes of the version and sequence after the checksum.
constexpr size_t snapshot_header_size = 4 + 2 + 8;

std::string encode_snapshot(const snapshot& taken) {
  std::string record(4, '\0');
  append_little_endian<uint16_t>(record, taken.version);
  append_little_endian<uint64_t>(record, taken.sequence);
  record.append(taken.state);
  std::string checksum;
  append_little_endian<uint32_t>(checksum,
                                 crc32c(std::string_view{record}.substr(4)));
  record.replace(0, 4, checksum);
  return record;
}

expected<snapshot> decode_snapshot(std::string_view stream_id,
                                   std::string_view bytes) {
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
    return make_failure(errc::corrupt_record,
                        "snapshot truncated for " + std::string{stream_id});
  result.state = bytes.substr(snapshot_header_size);
  return result;
}

expected<std::optional<snapshot>>
snapshot_store::load(std::string_view stream_id) const {
  auto stored = log_.get(column_family::snapshots, stream_id);
  if (!stored)
    return std::move(stored).error();
  if (!*stored)
    return std::optional<snapshot>{};
  auto decoded = decode_snapshot(stream_id, **stored);
  if (!decoded)
    return std::move(decoded).error();
  return std::optional<snapshot>{std::move(*decoded)};
}

expected<void> snapshot_store::save(std::string_view stream_id,
                                    const snapshot& taken) {
  auto record = encode_snapshot(taken);
  rocksdb::WriteBatch batch;
  batch.Put(log_.family(column_family::snapshots),
            rocksdb::Slice{stream_id.data(), stream_id.size()}, record);
  return log_.write(batch, false);
}

expected<void> snapshot_store::erase(std::string_view stream_id) {
  rocksdb::WriteBatch batch;
  batch.Delete(log_.family(column_family::snapshots),
               rocksdb::Slice{stream_id.data(), stream_id.size()});
  return log_.write(batch, false);
}

} // namespace tillroll
