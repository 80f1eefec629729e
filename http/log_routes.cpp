// What the operator console reads besides a stream's events and state:
// the global log (by kind and correlation, with a cursor, for a live
// tail), the diff between two points of a stream, and the read models'
// lag. Log reads run on the read lane.
#include "events/keys.hpp"
#include "http/api_internal.hpp"
#include "http/shared_schemas.hpp"

namespace tillroll {

namespace json = boost::json;

namespace {

constexpr size_t log_page_max = 500;

struct log_context {
  work_lane& read_lane;
  decltype(api_dependencies::global_events) global_events;
  decltype(api_dependencies::stream_diff) stream_diff;
  decltype(api_dependencies::read_models) read_models;
};

struct log_parameters {
  parameter kind = in_query(
      "kind", schema::text(32, 1).about("a stream kind: sku, order, payment, "
                                        "cart, product, user, flash_sale"));
  parameter correlation = in_query(
      "correlation_id",
      schema::text(128, 1).about("only the events of this correlation"));
  parameter limit =
      in_query("limit", schema::integer(1, static_cast<int64_t>(log_page_max))
                            .about("most events; 100 if left out"));
  parameter cursor = in_query(
      "cursor", schema::integer(0).about(
                    "a global position: the page starts after it; a previous "
                    "page's next_cursor, or its last item's position"));
  parameter from_seq = in_query("from_seq", schema::integer(1));
  parameter to_seq = in_query("to_seq", schema::integer(1));
  parameter from_time = in_query(
      "from_time",
      schema::text(64).about("RFC 3339 UTC, or microseconds since 1970"));
  parameter to_time = in_query(
      "to_time",
      schema::text(64).about("RFC 3339 UTC, or microseconds since 1970"));
};

const log_parameters& by() {
  static const log_parameters each;
  return each;
}

void global_log_route(const log_context& context, call_ptr request) {
  auto after = integer_parameter(request->query, by().cursor);
  auto kind = text_parameter(request->query, by().kind);
  auto correlation = text_parameter(request->query, by().correlation);
  auto limit = integer_parameter(request->query, by().limit);
  for (auto* problem :
       {after ? nullptr : &after.error(), kind ? nullptr : &kind.error(),
        correlation ? nullptr : &correlation.error(),
        limit ? nullptr : &limit.error()})
    if (problem != nullptr)
      return request->fail(*problem);
  context.read_lane.run(request, [&context, request, after = after->value_or(0),
                                  kind = kind->value_or(""),
                                  correlation = correlation->value_or(""),
                                  limit = limit->value_or(100)] {
    auto page =
        context.global_events(static_cast<uint64_t>(after),
                              static_cast<size_t>(limit), kind, correlation);
    if (!page)
      return request->fail(page.error());
    request->reply(200, std::move(*page));
  });
}

/// One end of a diff: `sequence` and `time` as the query names them.
expected<stream_point> point_of(const query_map& query,
                                const parameter& sequence,
                                const parameter& time) {
  auto at_sequence = integer_parameter(query, sequence);
  if (!at_sequence)
    return std::move(at_sequence).error();
  auto at_text = text_parameter(query, time);
  if (!at_text)
    return std::move(at_text).error();
  stream_point point;
  if (*at_sequence)
    point.sequence = static_cast<uint64_t>(**at_sequence);
  if (*at_text) {
    point.at = parse_time(**at_text);
    if (!point.at)
      return make_failure(errc::invalid_argument,
                          time.name +
                              " is an ISO 8601 UTC time or microseconds");
  }
  return point;
}

void stream_diff_route(const log_context& context, call_ptr request) {
  auto stream = request->parameter(0);
  if (auto valid = validate_stream_id(stream); !valid)
    return request->fail(valid.error());
  auto from = point_of(request->query, by().from_seq, by().from_time);
  if (!from)
    return request->fail(from.error());
  auto to = point_of(request->query, by().to_seq, by().to_time);
  if (!to)
    return request->fail(to.error());
  if (!from->sequence && !from->at)
    return request->fail(errc::invalid_argument,
                         "give from_seq or from_time: where the diff starts");
  context.read_lane.run(request,
                        [&context, request, stream, from = *from, to = *to] {
                          auto diff = context.stream_diff(stream, from, to);
                          if (!diff)
                            return request->fail(diff.error());
                          request->reply(200, std::move(*diff));
                        });
}

void read_models_route(const log_context& context, call_ptr request) {
  request->reply(200, context.read_models());
}

schema global_log_schema(const std::optional<schema>& event,
                         const std::optional<schema>& state) {
  return schema::named(
      "GlobalLogPage",
      schema::object(
          {required("items", schema::list(recorded_event_schema(event, state),
                                          log_page_max)),
           required("next_cursor",
                    schema::text()
                        .about("the last position read; null once the page "
                               "reached the head (poll again with the last "
                               "item's position to tail)")
                        .nullable()),
           required("head", schema::integer(0).about(
                                "the log's last position when read"))}));
}

/// A changed value: any JSON (arrays nested two deep, as states have).
/// Null is one of the alternatives' values (OpenAPI 3.0 allows
/// `nullable` only beside a `type`).
schema any_value() {
  auto scalar = schema::any_of(
      {schema::text().nullable(), schema::number(), schema::boolean()});
  auto inner = schema::any_of({scalar, schema::any_object()});
  return schema::any_of(
             {scalar, schema::any_object(),
              schema::list(schema::any_of(
                  {scalar, schema::any_object(), schema::list(inner)}))})
      .about("the value at the path");
}

schema stream_diff_schema(const std::optional<schema>& state) {
  auto point =
      schema::object({required("sequence", schema::integer(1)),
                      required("recorded_at", time_schema()),
                      optional("state", state.value_or(schema::any_object()))});
  auto change = schema::object(
      {required("op", schema::choice({"add", "remove", "replace"})),
       required("path", schema::text().about("a JSON Pointer into the state")),
       optional("before", any_value()), optional("after", any_value())});
  return schema::named(
      "StreamDiff",
      schema::object({required("stream", schema::text()),
                      required("from", point), required("to", point),
                      required("changes", schema::list(change, 1000)),
                      required("truncated", schema::boolean().about(
                                                "more than 1000 changes"))}));
}

schema read_models_schema() {
  auto model = schema::object(
      {required("name", schema::text()),
       required("offset",
                schema::integer(0).about("the last global position applied")),
       required("lag_events", schema::integer(0)),
       required("lag_ms",
                schema::integer(0).about("age of the oldest unapplied event")),
       required("status", schema::choice({"caught_up", "catching_up"}))});
  return schema::named(
      "ReadModels", schema::object({required("items", schema::list(model))}));
}

} // namespace

std::vector<route> log_routes(const route_sources& sources) {
  auto& from = sources.dependencies;
  auto context = std::make_shared<const log_context>(
      log_context{sources.read_lane, from.global_events, from.stream_diff,
                  from.read_models});
  auto on = binder(context);
  auto& query = by();
  auto stream = in_path("stream", schema::text(stream_id_size_max, 1));
  return {
      route{"GET",
            "/v1/admin/events",
            access::admin,
            on(global_log_route),
            "The global log, by kind and correlation",
            {400}}
          .with({query.kind, query.correlation, query.limit, query.cursor})
          .gives(200, global_log_schema(from.event_schema, from.state_schema),
                 "This member's events in global order"),
      route{"GET",
            "/v1/admin/streams/{stream}/diff",
            access::admin,
            on(stream_diff_route),
            "A stream's state at two points and their diff",
            {400, 404}}
          .with({stream, query.from_seq, query.from_time, query.to_seq,
                 query.to_time})
          .gives(200, stream_diff_schema(from.state_schema),
                 "Both states and what changed from the first to the second"),
      route{"GET",
            "/v1/admin/read-models",
            access::admin,
            on(read_models_route),
            "The read models and their lag",
            {}}
          .gives(200, read_models_schema(), "Every read model"),
  };
}

} // namespace tillroll
