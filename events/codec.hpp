// Payload encoding of event structs (cereal's portable binary archive, so
// the bytes do not depend on the host) and the mapping between an entity's
// event variant and the envelope's type id and schema version.
//
// An event type declares `static constexpr uint32_t type_id`,
// `static constexpr uint16_t version` and `static constexpr
// std::string_view name`, and lists its fields once, in a
// BOOST_DESCRIBE_STRUCT beside it (see events/described.hpp). Type ids are
// forever.
#pragma once

#include "events/envelope.hpp"
#include "events/upcaster.hpp"

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/deque.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>

#include <istream>
#include <sstream>
#include <streambuf>
#include <variant>

namespace tillroll {

namespace detail {

// Reads a payload in place: replay decodes millions of payloads, and a
// copy into an istringstream per event would dominate.
class view_buffer : public std::streambuf {
public:
  void reset(std::string_view bytes) {
    auto* begin = const_cast<char*>(bytes.data());
    setg(begin, begin, begin + bytes.size());
  }
  /// Bytes not read yet.
  size_t remaining() const noexcept {
    return static_cast<size_t>(egptr() - gptr());
  }
};

/// The payload this thread is decoding, if any: the sizes read from it are
/// checked against what is left of it (see the size tag loader below).
inline thread_local const view_buffer* payload_being_decoded = nullptr;

} // namespace detail

} // namespace tillroll

namespace cereal {

/// A stored size is checked before cereal allocates for it: a flipped bit
/// in a string's size would otherwise ask for up to 2^64 bytes (the
/// fuzzer's first finding). Every element of tillroll's payloads takes at
/// least one byte, so a count past the bytes left is damage. Overload
/// resolution picks this over cereal's template for the input archive.
inline void CEREAL_SERIALIZE_FUNCTION_NAME(PortableBinaryInputArchive& archive,
                                           SizeTag<size_type&>& tag) {
  archive(tag.size);
  auto* payload = tillroll::detail::payload_being_decoded;
  if (payload != nullptr && tag.size > payload->remaining())
    throw Exception("a size of " + std::to_string(tag.size) +
                    " is past the end of the payload");
}

/// A bool is stored as one byte, 0 or 1. Cereal copies the byte into the
/// bool as it is, and any other value makes reading that bool undefined
/// (UBSan's second finding, an optional's flag): it is damage.
inline void CEREAL_LOAD_FUNCTION_NAME(PortableBinaryInputArchive& archive,
                                      bool& value) {
  uint8_t stored = 0;
  archive(stored);
  if (stored > 1)
    throw Exception("a bool stored as " + std::to_string(stored));
  value = stored == 1;
}

} // namespace cereal

namespace tillroll {

template <class T> std::string encode_payload(const T& value) {
  std::ostringstream stream;
  {
    cereal::PortableBinaryOutputArchive archive{stream};
    archive(value);
  }
  return std::move(stream).str();
}

template <class T> expected<T> decode_payload(std::string_view bytes) {
  T value{};
  try {
    // One stream per thread and type: constructing an istream per payload
    // (locale and all) costs more than decoding it.
    thread_local detail::view_buffer buffer;
    thread_local std::istream stream{&buffer};
    buffer.reset(bytes);
    stream.clear();
    detail::payload_being_decoded = &buffer;
    cereal::PortableBinaryInputArchive archive{stream};
    archive(value);
  } catch (const std::exception& error) {
    detail::payload_being_decoded = nullptr;
    return make_failure(errc::corrupt_record,
                        std::string{"undecodable payload: "} + error.what());
  }
  detail::payload_being_decoded = nullptr;
  return value;
}

template <class Old, class New, class Convert>
void upcaster_registry::add_step(Convert convert) {
  static_assert(Old::type_id == New::type_id);
  static_assert(Old::version + 1 == New::version);
  add(Old::type_id, Old::version,
      [convert](std::string_view payload) -> expected<std::string> {
        auto old = decode_payload<Old>(payload);
        if (!old)
          return std::move(old).error();
        return encode_payload(New{convert(std::move(*old))});
      });
}

/// Metadata of an append: when and why.
struct event_context {
  timestamp recorded_at;
  std::string correlation_id;
  std::string causation_id;
};

template <class Variant>
new_event to_new_event(const Variant& event, const event_context& context) {
  return std::visit(
      [&](const auto& alternative) {
        using event_type = std::decay_t<decltype(alternative)>;
        return new_event{event_type::type_id,         event_type::version,
                         encode_payload(alternative), context.recorded_at,
                         context.correlation_id,      context.causation_id};
      },
      event);
}

namespace detail {

template <class Variant, size_t Index = 0>
expected<Variant> decode_alternative(const recorded_event& record,
                                     const upcaster_registry& registry) {
  if constexpr (Index == std::variant_size_v<Variant>) {
    return make_failure(errc::corrupt_record,
                        "unknown event type " + std::to_string(record.type_id) +
                            " in " + record.stream_id);
  } else {
    using event_type = std::variant_alternative_t<Index, Variant>;
    if (record.type_id != event_type::type_id)
      return decode_alternative<Variant, Index + 1>(record, registry);
    if (record.schema_version > event_type::version)
      return make_failure(errc::corrupt_record,
                          "event " + std::string{event_type::name} + " v" +
                              std::to_string(record.schema_version) +
                              " is newer than this build");
    if (record.schema_version == event_type::version) {
      auto decoded = decode_payload<event_type>(record.payload);
      if (!decoded)
        return std::move(decoded).error();
      return Variant{std::move(*decoded)};
    }
    auto upcast = registry.upcast(event_type::type_id, record.schema_version,
                                  event_type::version, record.payload);
    if (!upcast)
      return std::move(upcast).error();
    auto decoded = decode_payload<event_type>(*upcast);
    if (!decoded)
      return std::move(decoded).error();
    return Variant{std::move(*decoded)};
  }
}

} // namespace detail

/// The event of a record, upcast to the current version of its type.
template <class Variant>
expected<Variant>
decode_event(const recorded_event& record,
             const upcaster_registry& registry = upcasters()) {
  return detail::decode_alternative<Variant>(record, registry);
}

template <class Variant> std::string_view event_name(const Variant& event) {
  return std::visit(
      [](const auto& alternative) {
        return std::decay_t<decltype(alternative)>::name;
      },
      event);
}

} // namespace tillroll
