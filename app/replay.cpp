#include "app/replay.hpp"

#include "actors/entity_kinds.hpp"
#include "actors/flash_sale/flash_sale_json.hpp"
#include "actors/sku/sku_json.hpp"
#include "app/describe.hpp"
#include "events/codec.hpp"
#include "events/event_log.hpp"
#include "events/keys.hpp"
#include "events/time_text.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <charconv>
#include <ctime>
#include <functional>
#include <map>

namespace tillroll {

namespace json = boost::json;

namespace {

json::object envelope_json(const recorded_event& record) {
  return json::object{{"stream", record.stream_id},
                      {"sequence", record.sequence},
                      {"position", record.position},
                      {"type_id", record.type_id},
                      {"version", record.schema_version},
                      {"recorded_at", iso_time(record.recorded_at)},
                      {"correlation_id", record.correlation_id},
                      {"causation_id", record.causation_id}};
}

/// Takes each replayed line: envelope, event, state after it.
using line_sink = std::function<void(json::object)>;

/// Per kind: the event as JSON, and a replayer folding state.
struct kind_codec {
  std::function<expected<json::value>(const recorded_event&)> event_json;
  std::function<expected<void>(const event_log&, std::string_view,
                               const replay_bounds&, const line_sink&)>
      replay;
};

/// An event as JSON: its fields (from app/describe.hpp) and its type name.
template <class Variant> json::value described_json(const Variant& event) {
  auto out = json::value_from(event);
  if (out.is_object())
    out.as_object()["type"] = event_name(event);
  return out;
}

template <class T> struct is_variant : std::false_type {};
template <class... Ts>
struct is_variant<std::variant<Ts...>> : std::true_type {};

/// Hand-written JSON where a kind has it (SKUs summarize their order
/// sets), described JSON otherwise.
template <class T> json::value render(const T& value) {
  if constexpr (requires { to_json(value); })
    return to_json(value);
  else if constexpr (is_variant<T>::value)
    return described_json(value);
  else
    return json::value_from(value);
}

template <class Entity> kind_codec make_codec() {
  kind_codec codec;
  codec.event_json = [](const recorded_event& record) -> expected<json::value> {
    auto event = decode_event<typename Entity::event_type>(record);
    if (!event)
      return std::move(event).error();
    return render(*event);
  };
  codec.replay = [](const event_log& log, std::string_view stream_id,
                    const replay_bounds& bounds,
                    const line_sink& emit) -> expected<void> {
    typename Entity::state_type state{};
    std::optional<failure> broken;
    auto read = log.read_stream(
        stream_id, 1, bounds.to_sequence, [&](const recorded_event& record) {
          if (bounds.at && record.recorded_at > *bounds.at)
            return false;
          auto event = decode_event<typename Entity::event_type>(record);
          if (!event) {
            broken = std::move(event).error();
            return false;
          }
          apply_event(state, *event);
          auto line = envelope_json(record);
          line["event"] = render(*event);
          line["state"] = render(state);
          emit(std::move(line));
          return true;
        });
    if (!read)
      return read;
    if (broken)
      return std::move(*broken);
    return {};
  };
  return codec;
}

const std::map<std::string, kind_codec, std::less<>>& codecs() {
  static const auto table = [] {
    std::map<std::string, kind_codec, std::less<>> result;
    for_each_entity_kind([&](const auto& kind) {
      using entity = typename std::decay_t<decltype(kind)>::entity_type;
      result.emplace(kind.name, make_codec<entity>());
    });
    return result;
  }();
  return table;
}

} // namespace

namespace {

expected<void> replay_lines(const event_log& log, std::string_view stream_id,
                            const replay_bounds& bounds,
                            const line_sink& emit) {
  if (auto valid = validate_stream_id(stream_id); !valid)
    return valid;
  auto codec = codecs().find(stream_kind(stream_id));
  if (codec != codecs().end())
    return codec->second.replay(log, stream_id, bounds, emit);
  return log.read_stream(stream_id, 1, bounds.to_sequence,
                         [&](const recorded_event& record) {
                           if (bounds.at && record.recorded_at > *bounds.at)
                             return false;
                           emit(envelope_json(record));
                           return true;
                         });
}

} // namespace

expected<void> replay_stream(const event_log& log, std::string_view stream_id,
                             const replay_bounds& bounds, std::ostream& out) {
  return replay_lines(log, stream_id, bounds, [&](json::object line) {
    out << json::serialize(line) << '\n';
  });
}

expected<std::string> stream_events_json(const event_log& log,
                                         std::string_view stream_id,
                                         uint64_t from_sequence,
                                         uint64_t to_sequence, size_t limit) {
  json::array events;
  auto replayed = replay_lines(
      log, stream_id, {to_sequence, std::nullopt}, [&](json::object line) {
        if (line["sequence"].to_number<uint64_t>() < from_sequence ||
            events.size() >= limit)
          return;
        line.erase("state");
        events.push_back(std::move(line));
      });
  if (!replayed)
    return std::move(replayed).error();
  return json::serialize(
      json::object{{"stream", stream_id}, {"items", std::move(events)}});
}

expected<std::string> stream_state_json(const event_log& log,
                                        std::string_view stream_id,
                                        const replay_bounds& bounds) {
  std::optional<json::object> last;
  auto replayed = replay_lines(log, stream_id, bounds, [&](json::object line) {
    last = std::move(line);
  });
  if (!replayed)
    return std::move(replayed).error();
  if (!last)
    return make_failure(errc::not_found, "the stream has no events there");
  json::object out{{"stream", stream_id},
                   {"sequence", (*last)["sequence"]},
                   {"recorded_at", (*last)["recorded_at"]}};
  if (auto* state = last->if_contains("state"))
    out["state"] = *state;
  return json::serialize(out);
}

expected<void> dump_events(const event_log& log, uint64_t from_position,
                           size_t limit, std::ostream& out) {
  auto events = log.read_global(from_position, limit);
  if (!events)
    return std::move(events).error();
  for (auto& record : *events) {
    auto line = envelope_json(record);
    auto codec = codecs().find(stream_kind(record.stream_id));
    if (codec != codecs().end()) {
      auto event = codec->second.event_json(record);
      if (!event)
        return std::move(event).error();
      line["event"] = std::move(*event);
    }
    out << json::serialize(line) << '\n';
  }
  return {};
}

} // namespace tillroll
