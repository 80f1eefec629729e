#include "events/envelope.hpp"

#include "events/byte_order.hpp"
#include "events/checksum.hpp"

#include <cassert>

namespace tillroll {

namespace {

void append_short_string(std::string& out, std::string_view text) {
  assert(text.size() <= UINT16_MAX);
  append_little_endian<uint16_t>(out, static_cast<uint16_t>(text.size()));
  out.append(text);
}

} // namespace

std::string encode_record(const recorded_event& event) {
  assert(event.payload.size() <= payload_size_max);
  std::string out;
  out.reserve(64 + event.stream_id.size() + event.correlation_id.size() +
              event.causation_id.size() + event.payload.size());
  out.append(4, '\0');
  append_little_endian<uint8_t>(out, record_format_version);
  append_little_endian<uint32_t>(out, event.type_id);
  append_little_endian<uint16_t>(out, event.schema_version);
  append_little_endian<uint64_t>(out, event.sequence);
  append_little_endian<uint64_t>(out, event.position);
  append_little_endian<int64_t>(out,
                                event.recorded_at.time_since_epoch().count());
  append_short_string(out, event.stream_id);
  append_short_string(out, event.correlation_id);
  append_short_string(out, event.causation_id);
  append_little_endian<uint32_t>(out,
                                 static_cast<uint32_t>(event.payload.size()));
  out.append(event.payload);
  std::string checksum;
  append_little_endian<uint32_t>(checksum,
                                 crc32c(std::string_view{out}.substr(4)));
  out.replace(0, 4, checksum);
  return out;
}

expected<void> decode_record_into(std::string_view bytes,
                                  recorded_event& event) {
  byte_reader reader{bytes};
  auto checksum = reader.read_integer<uint32_t>();
  if (!reader.good() || checksum != crc32c(bytes.substr(4)))
    return make_failure(errc::corrupt_record, "event record checksum mismatch");
  auto format = reader.read_integer<uint8_t>();
  if (format != record_format_version)
    return make_failure(errc::corrupt_record, "unknown event record format " +
                                                  std::to_string(format));
  event.type_id = reader.read_integer<uint32_t>();
  event.schema_version = reader.read_integer<uint16_t>();
  event.sequence = reader.read_integer<uint64_t>();
  event.position = reader.read_integer<uint64_t>();
  event.recorded_at =
      timestamp{std::chrono::microseconds{reader.read_integer<int64_t>()}};
  event.stream_id.assign(reader.read_bytes(reader.read_integer<uint16_t>()));
  event.correlation_id.assign(
      reader.read_bytes(reader.read_integer<uint16_t>()));
  event.causation_id.assign(reader.read_bytes(reader.read_integer<uint16_t>()));
  event.payload.assign(reader.read_bytes(reader.read_integer<uint32_t>()));
  if (!reader.good() || !reader.at_end())
    return make_failure(errc::corrupt_record, "event record truncated");
  // Nothing larger is ever written; a record claiming more is damaged.
  if (event.payload.size() > payload_size_max)
    return make_failure(errc::corrupt_record, "event payload too large");
  return {};
}

expected<recorded_event> decode_record(std::string_view bytes) {
  recorded_event event;
  if (auto decoded = decode_record_into(bytes, event); !decoded)
    return std::move(decoded).error();
  return event;
}

} // namespace tillroll
