// Event records as they come back from the log: the envelope (checksum,
// format, fields) and then the payload of every event type and version,
// through the upcasters, as replay, recovery and the projections decode
// them. A damaged record is an error value, never a crash.
//
// Input: a mode byte, then
// - mode without `payload_mode`: a stored record. Decoded as it is, then
//   again with its checksum made right, so mutations reach the fields
//   behind the checksum.
// - mode with `payload_mode`: a version byte and payload bytes for the
//   event kind `mode & 0x7f` (modulo the kinds); the version is taken
//   modulo the current version + 2, so 0, every old version, the current
//   one and one newer than this build all come up.
#include "events/byte_order.hpp"
#include "events/checksum.hpp"
#include "events/codec.hpp"
#include "events/envelope.hpp"

#include "test/fuzz/event_kinds.hpp"
#include "test/fuzz/fuzz_input.hpp"

using namespace tillroll;

namespace {

/// A decoded event encodes to bytes that decode to the same event: what
/// an upcast or a snapshot writes back must read back unchanged.
template <class Variant> void require_round_trip(const Variant& event) {
  std::visit(
      [](const auto& alternative) {
        using event_type = std::decay_t<decltype(alternative)>;
        auto bytes = encode_payload(alternative);
        auto again = decode_payload<event_type>(bytes);
        fuzz::require(again.has_value(), "an encoded event decodes");
        fuzz::require(encode_payload(*again) == bytes,
                      "an event decodes to what was encoded");
      },
      event);
}

template <class Variant> void decode_as(const recorded_event& record) {
  auto event = decode_event<Variant>(record);
  if (event)
    require_round_trip(*event);
  else
    fuzz::require(event.error().code == errc::corrupt_record,
                  "an undecodable event is a corrupt record");
}

void decode_every_family(const recorded_event& record) {
  decode_as<sku_event>(record);
  decode_as<product_event>(record);
  decode_as<payment_event>(record);
  decode_as<order_event>(record);
  decode_as<cart_event>(record);
  decode_as<user_event>(record);
  decode_as<flash_sale_event>(record);
}

void decode_stored(std::string_view bytes) {
  auto record = decode_record(bytes);
  // Replay decodes into one record, reusing its strings.
  thread_local recorded_event reused;
  auto into = decode_record_into(bytes, reused);
  fuzz::require(record.has_value() == into.has_value(),
                "both record decoders agree");
  if (!record) {
    fuzz::require(record.error().code == errc::corrupt_record,
                  "a damaged record is a corrupt record");
    return;
  }
  fuzz::require(encode_record(*record) == bytes,
                "a record decodes to what was encoded");
  decode_every_family(*record);
}

void decode_envelope(std::string_view bytes) {
  decode_stored(bytes);
  if (bytes.size() < 4)
    return;
  std::string fixed;
  append_little_endian<uint32_t>(fixed, crc32c(bytes.substr(4)));
  fixed.append(bytes.substr(4));
  decode_stored(fixed);
}

void decode_payload_of(uint8_t mode, std::string_view rest) {
  if (rest.empty())
    return;
  auto& kinds = fuzz::event_kinds();
  auto kind = kinds[(mode & ~fuzz::payload_mode) % kinds.size()];
  recorded_event record;
  record.stream_id = "fuzz-1";
  record.sequence = 1;
  record.position = 1;
  record.type_id = kind.type_id;
  record.schema_version =
      static_cast<uint16_t>(static_cast<uint8_t>(rest[0]) % (kind.version + 2));
  record.payload = rest.substr(1);
  decode_stored(encode_record(record));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  auto rest = fuzz::text_of(data + 1, size - 1);
  if ((data[0] & fuzz::payload_mode) != 0)
    decode_payload_of(data[0], rest);
  else
    decode_envelope(rest);
  return 0;
}
