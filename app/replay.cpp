#include "app/replay.hpp"

#include "actors/entity_kinds.hpp"
#include "actors/flash_sale/flash_sale_json.hpp"
#include "actors/product/product_state.hpp"
#include "actors/sku/sku_json.hpp"
#include "app/describe.hpp"
#include "events/codec.hpp"
#include "events/event_log.hpp"
#include "events/json_text.hpp"
#include "events/keys.hpp"
#include "events/time_text.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <deque>
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
    out << json_text(line) << '\n';
  });
}

expected<std::string> stream_events_json(const event_log& log,
                                         std::string_view stream_id,
                                         uint64_t from_sequence,
                                         uint64_t to_sequence, size_t limit,
                                         bool with_state) {
  json::array events;
  auto replayed = replay_lines(
      log, stream_id, {to_sequence, std::nullopt}, [&](json::object line) {
        if (line["sequence"].to_number<uint64_t>() < from_sequence ||
            events.size() >= limit)
          return;
        if (!with_state)
          line.erase("state");
        events.push_back(std::move(line));
      });
  if (!replayed)
    return std::move(replayed).error();
  return json_text(
      json::object{{"stream", stream_id}, {"items", std::move(events)}});
}

namespace {

/// The last replayed line within `bounds`: {"sequence", "recorded_at",
/// "state"?}.
expected<json::object> point_of(const event_log& log,
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
  json::object out{{"sequence", (*last)["sequence"]},
                   {"recorded_at", (*last)["recorded_at"]}};
  if (auto* state = last->if_contains("state"))
    out["state"] = std::move(*state);
  return out;
}

/// As point_of, but a sequence past the stream's end is named, not
/// quietly read as the end.
expected<json::object> exact_point_of(const event_log& log,
                                      std::string_view stream_id,
                                      const replay_bounds& bounds) {
  auto point = point_of(log, stream_id, bounds);
  if (point && bounds.to_sequence != UINT64_MAX &&
      point->at("sequence").to_number<uint64_t>() != bounds.to_sequence)
    return make_failure(errc::not_found,
                        "the stream has no event " +
                            std::to_string(bounds.to_sequence));
  return point;
}

/// Most changes a diff lists; past it the answer says it is truncated.
constexpr size_t diff_changes_max = 1000;

/// A key as a JSON Pointer reference token (RFC 6901).
std::string pointer_token(std::string_view key) {
  std::string out;
  for (char c : key)
    out += c == '~' ? std::string{"~0"} : c == '/' ? "~1" : std::string{c};
  return out;
}

void diff_values(const json::value& before, const json::value& after,
                 const std::string& path, json::array& changes);

void diff_objects(const json::object& before, const json::object& after,
                  const std::string& path, json::array& changes) {
  for (auto& [key, value] : before) {
    auto child = path + "/" + pointer_token(key);
    if (auto* other = after.if_contains(key))
      diff_values(value, *other, child, changes);
    else
      changes.push_back(
          json::object{{"op", "remove"}, {"path", child}, {"before", value}});
  }
  for (auto& [key, value] : after)
    if (!before.contains(key))
      changes.push_back(json::object{{"op", "add"},
                                     {"path", path + "/" + pointer_token(key)},
                                     {"after", value}});
}

void diff_arrays(const json::array& before, const json::array& after,
                 const std::string& path, json::array& changes) {
  auto common = std::min(before.size(), after.size());
  for (size_t index = 0; index < common; ++index)
    diff_values(before[index], after[index], path + "/" + std::to_string(index),
                changes);
  for (size_t index = common; index < before.size(); ++index)
    changes.push_back(json::object{{"op", "remove"},
                                   {"path", path + "/" + std::to_string(index)},
                                   {"before", before[index]}});
  for (size_t index = common; index < after.size(); ++index)
    changes.push_back(json::object{{"op", "add"},
                                   {"path", path + "/" + std::to_string(index)},
                                   {"after", after[index]}});
}

void diff_values(const json::value& before, const json::value& after,
                 const std::string& path, json::array& changes) {
  if (before == after || changes.size() > diff_changes_max)
    return;
  if (before.is_object() && after.is_object())
    return diff_objects(before.as_object(), after.as_object(), path, changes);
  if (before.is_array() && after.is_array())
    return diff_arrays(before.as_array(), after.as_array(), path, changes);
  changes.push_back(json::object{
      {"op", "replace"}, {"path", path}, {"before", before}, {"after", after}});
}

} // namespace

expected<std::string> stream_state_json(const event_log& log,
                                        std::string_view stream_id,
                                        const replay_bounds& bounds) {
  auto point = point_of(log, stream_id, bounds);
  if (!point)
    return std::move(point).error();
  point->emplace("stream", stream_id);
  return json_text(*point);
}

expected<std::string> stream_diff_json(const event_log& log,
                                       std::string_view stream_id,
                                       const replay_bounds& from,
                                       const replay_bounds& to) {
  auto before = exact_point_of(log, stream_id, from);
  if (!before)
    return std::move(before).error();
  auto after = exact_point_of(log, stream_id, to);
  if (!after)
    return std::move(after).error();
  json::array changes;
  static const json::value none = json::object{};
  auto* was = before->if_contains("state");
  auto* is = after->if_contains("state");
  diff_values(was ? *was : none, is ? *is : none, "", changes);
  bool truncated = changes.size() > diff_changes_max;
  if (truncated)
    changes.resize(diff_changes_max);
  return json_text(json::object{{"stream", stream_id},
                                {"from", std::move(*before)},
                                {"to", std::move(*after)},
                                {"changes", std::move(changes)},
                                {"truncated", truncated}});
}

namespace {

/// An event of the global log as the pages show it: its envelope and,
/// for a known kind, the event.
expected<json::object> global_line(const recorded_event& record) {
  auto line = envelope_json(record);
  auto codec = codecs().find(stream_kind(record.stream_id));
  if (codec != codecs().end()) {
    auto event = codec->second.event_json(record);
    if (!event)
      return std::move(event).error();
    line["event"] = std::move(*event);
  }
  return line;
}

} // namespace

expected<std::string> global_events_json(const event_log& log,
                                         uint64_t after_position, size_t limit,
                                         const global_filter& filter) {
  auto head = log.last_position();
  if (!head)
    return std::move(head).error();
  json::array items;
  uint64_t read_to = after_position;
  size_t scanned = 0;
  while (items.size() < limit && scanned < global_scan_max && read_to < *head) {
    auto batch = log.read_global(
        read_to + 1, std::min<size_t>(500, global_scan_max - scanned));
    if (!batch)
      return std::move(batch).error();
    if (batch->empty())
      break;
    for (auto& record : *batch) {
      ++scanned;
      read_to = record.position;
      bool wanted = (filter.kind.empty() ||
                     stream_kind(record.stream_id) == filter.kind) &&
                    (filter.correlation_id.empty() ||
                     record.correlation_id == filter.correlation_id);
      if (!wanted)
        continue;
      auto line = global_line(record);
      if (!line)
        return std::move(line).error();
      items.push_back(std::move(*line));
      if (items.size() == limit)
        break;
    }
  }
  json::value next = read_to < *head ? json::value(std::to_string(read_to))
                                     : json::value(nullptr);
  return json_text(json::object{{"items", std::move(items)},
                                {"next_cursor", std::move(next)},
                                {"head", *head}});
}

expected<std::string> product_reviews_json(const event_log& log,
                                           std::string_view product_id,
                                           uint64_t before_sequence,
                                           size_t limit) {
  // Reviews are read from the product's own stream: the events are the
  // record, and no read model needs to keep every text.
  std::deque<json::object> newest;
  bool more = false;
  std::optional<failure> broken;
  auto read = log.read_stream(
      make_stream_id(product_entity::kind, product_id), 1, before_sequence - 1,
      [&](const recorded_event& record) {
        auto event = decode_event<product_entity::event_type>(record);
        if (!event) {
          broken = std::move(event).error();
          return false;
        }
        auto* review = std::get_if<review_added>(&*event);
        if (review == nullptr)
          return true;
        newest.push_back(json::object{{"rating", review->rating},
                                      {"text", review->text},
                                      {"at", iso_time(record.recorded_at)},
                                      {"sequence", record.sequence}});
        if (newest.size() > limit) {
          newest.pop_front();
          more = true;
        }
        return true;
      });
  if (broken)
    return std::move(*broken);
  if (!read)
    return std::move(read).error();
  json::array items;
  for (auto each = newest.rbegin(); each != newest.rend(); ++each)
    items.push_back(std::move(*each));
  json::value next = nullptr;
  if (more && !items.empty())
    next = std::to_string(
        items.back().as_object().at("sequence").to_number<uint64_t>());
  return json_text(json::object{{"items", std::move(items)},
                                {"next_cursor", std::move(next)}});
}

expected<void> dump_events(const event_log& log, uint64_t from_position,
                           size_t limit, std::ostream& out) {
  auto events = log.read_global(from_position, limit);
  if (!events)
    return std::move(events).error();
  for (auto& record : *events) {
    auto line = global_line(record);
    if (!line)
      return std::move(line).error();
    out << json_text(*line) << '\n';
  }
  return {};
}

} // namespace tillroll
