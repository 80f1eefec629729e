#include "events/keys.hpp"

#include "events/byte_order.hpp"

#include <cassert>

namespace tillroll {

expected<void> validate_stream_id(std::string_view stream_id) {
  if (stream_id.empty() || stream_id.size() > stream_id_size_max)
    return make_failure(errc::invalid_argument,
                        "a stream id has 1 to 200 bytes");
  if (stream_id.find('\0') != std::string_view::npos)
    return make_failure(errc::invalid_argument,
                        "a stream id has no zero bytes");
  auto dash = stream_id.find('-');
  if (dash == 0 || dash == std::string_view::npos ||
      dash + 1 == stream_id.size())
    return make_failure(errc::invalid_argument,
                        "a stream id is <kind>-<id>, e.g. sku-TSHIRT-RED-M");
  return {};
}

std::string stream_prefix(std::string_view stream_id) {
  std::string key;
  key.reserve(stream_id.size() + 9);
  key.append(stream_id);
  key.push_back('\0');
  return key;
}

std::string stream_key(std::string_view stream_id, uint64_t sequence) {
  auto key = stream_prefix(stream_id);
  append_big_endian(key, sequence);
  return key;
}

uint64_t stream_key_sequence(std::string_view key) {
  assert(key.size() >= 9);
  return read_big_endian(key.substr(key.size() - 8));
}

std::string position_key(uint64_t position) {
  std::string key;
  append_big_endian(key, position);
  return key;
}

std::string global_entry(std::string_view stream_id, uint64_t first_sequence,
                         uint64_t count) {
  auto value = stream_key(stream_id, first_sequence);
  append_big_endian(value, count);
  return value;
}

expected<global_range> parse_global_entry(std::string_view value) {
  // stream id, zero byte, sequence, count
  if (value.size() < 1 + 1 + 8 + 8 || value[value.size() - 17] != '\0')
    return make_failure(errc::corrupt_record, "malformed global order entry");
  global_range range;
  range.stream_id = value.substr(0, value.size() - 17);
  range.first_sequence = read_big_endian(value.substr(value.size() - 16, 8));
  range.count = read_big_endian(value.substr(value.size() - 8, 8));
  if (range.count == 0)
    return make_failure(errc::corrupt_record, "empty global order entry");
  return range;
}

std::string_view stream_kind(std::string_view stream_id) {
  return stream_id.substr(0, stream_id.find('-'));
}

std::string_view stream_entity_id(std::string_view stream_id) {
  auto dash = stream_id.find('-');
  return dash == std::string_view::npos ? std::string_view{}
                                        : stream_id.substr(dash + 1);
}

std::string make_stream_id(std::string_view kind, std::string_view entity_id) {
  std::string result;
  result.reserve(kind.size() + 1 + entity_id.size());
  result.append(kind);
  result.push_back('-');
  result.append(entity_id);
  return result;
}

} // namespace tillroll
