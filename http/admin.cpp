// Admin and operations routes: time travel over any stream, the audit,
// the ledger, reconciliation with the PSP and its books; liveness,
// readiness and metrics. Slow reads run on the read lane.
#include "events/keys.hpp"
#include "http/api_internal.hpp"
#include "http/shared_schemas.hpp"
#include "projections/ledger/ledger_balances.hpp"

namespace tillroll {

namespace json = boost::json;

namespace {

constexpr size_t stream_events_max = 1000;

/// The replay's parameters, as its routes read them.
struct replay_parameters {
  parameter from = in_query(
      "from_seq", schema::integer(1).about("first sequence; 1 if left out"));
  parameter to = in_query(
      "to_seq", schema::integer(1).about("last sequence; the end if left out"));
  parameter limit = in_query(
      "limit", schema::integer(1, static_cast<int64_t>(stream_events_max))
                   .about("most events; " + std::to_string(stream_events_max) +
                          " if left out"));
  parameter with_state = in_query(
      "with_state", schema::boolean().about("each event with the state "
                                            "after it; false if left out"));
  parameter at_sequence = in_query(
      "at_seq", schema::integer(1).about("the state after this sequence"));
  parameter at_time = in_query(
      "at_time", schema::text(64).about("the state at this time: RFC 3339 "
                                        "UTC, or microseconds since 1970"));
};

const replay_parameters& replay() {
  static const replay_parameters each;
  return each;
}

struct admin_context {
  work_lane& read_lane;
  const ledger_balances& ledger;
  decltype(api_dependencies::stream_events) stream_events;
  decltype(api_dependencies::stream_state) stream_state;
  decltype(api_dependencies::audit) audit;
  decltype(api_dependencies::reconcile) reconcile;
  decltype(api_dependencies::psp_charges) psp_charges;
  decltype(api_dependencies::unready_reason) unready_reason;
  decltype(api_dependencies::dead_reason) dead_reason;
  decltype(api_dependencies::metrics) metrics;
  decltype(api_dependencies::cluster) cluster;
};

void stream_events_route(const admin_context& context, call_ptr request) {
  auto stream = request->parameter(0);
  if (auto valid = validate_stream_id(stream); !valid)
    return request->fail(valid.error());
  auto& by = replay();
  auto from = integer_parameter(request->query, by.from);
  auto to = integer_parameter(request->query, by.to);
  auto limit = integer_parameter(request->query, by.limit);
  auto with_state = bool_parameter(request->query, by.with_state);
  for (auto* problem :
       {from ? nullptr : &from.error(), to ? nullptr : &to.error(),
        limit ? nullptr : &limit.error(),
        with_state ? nullptr : &with_state.error()})
    if (problem != nullptr)
      return request->fail(*problem);
  context.read_lane.run(request, [&context, request, stream,
                                  from = from->value_or(1),
                                  to = to->value_or(INT64_MAX),
                                  limit = limit->value_or(stream_events_max),
                                  with_state = with_state->value_or(false)] {
    auto events = context.stream_events(stream, static_cast<uint64_t>(from),
                                        static_cast<uint64_t>(to),
                                        static_cast<size_t>(limit), with_state);
    if (!events)
      return request->fail(events.error());
    request->reply(200, std::move(*events));
  });
}

void stream_state_route(const admin_context& context, call_ptr request) {
  auto stream = request->parameter(0);
  if (auto valid = validate_stream_id(stream); !valid)
    return request->fail(valid.error());
  auto& by = replay();
  auto at_sequence = integer_parameter(request->query, by.at_sequence);
  if (!at_sequence)
    return request->fail(at_sequence.error());
  auto at_text = text_parameter(request->query, by.at_time);
  if (!at_text)
    return request->fail(at_text.error());
  std::optional<timestamp> at_time;
  if (*at_text) {
    at_time = parse_time(**at_text);
    if (!at_time)
      return request->fail(errc::invalid_argument,
                           "at_time is an ISO 8601 UTC time or microseconds");
  }
  std::optional<uint64_t> sequence;
  if (*at_sequence)
    sequence = static_cast<uint64_t>(**at_sequence);
  context.read_lane.run(
      request, [&context, request, stream, sequence, at_time] {
        auto state = context.stream_state(stream, sequence, at_time);
        if (!state)
          return request->fail(state.error());
        request->reply(200, std::move(*state));
      });
}

void audit_route(const admin_context& context, call_ptr request) {
  context.read_lane.run(request, [&context, request] {
    auto report = context.audit();
    if (!report)
      return request->fail(report.error());
    request->reply(200, std::move(*report));
  });
}

void cluster_route(const admin_context& context, call_ptr request) {
  auto members = context.cluster();
  if (!members)
    return request->fail(members.error());
  request->reply(200, std::move(*members));
}

void ledger_route(const admin_context& context, call_ptr request) {
  auto limit = limit_parameter(request->query);
  if (!limit)
    return request->fail(limit.error());
  // Accounts in key order; the cursor is the last key of the page before.
  auto cursor = text_parameter(request->query, cursor_query());
  if (!cursor)
    return request->fail(cursor.error());
  auto after = cursor->value_or("");
  json::array items;
  std::optional<std::string> next_cursor;
  for (auto& [key, balance] : context.ledger.balances()) {
    if (!after.empty() && key <= after)
      continue;
    if (items.size() == *limit) {
      next_cursor = items.back().at("account").as_string().c_str() +
                    std::string{" "} +
                    items.back().at("currency").as_string().c_str();
      break;
    }
    auto space = key.rfind(' ');
    items.push_back(json::object{{"account", key.substr(0, space)},
                                 {"currency", key.substr(space + 1)},
                                 {"balance_cents", balance}});
  }
  request->json(
      200, json::object{{"items", std::move(items)},
                        {"next_cursor", next_cursor ? json::value(*next_cursor)
                                                    : json::value(nullptr)}});
}

void psp_charges_route(const admin_context& context, call_ptr request) {
  context.read_lane.run(request, [&context, request] {
    auto charges = context.psp_charges();
    if (!charges)
      return request->fail(charges.error());
    json::array items;
    for (auto& line : *charges)
      items.push_back(json::object{{"key", line.key},
                                   {"reference", line.reference},
                                   {"currency", line.currency},
                                   {"captured_cents", line.captured_cents},
                                   {"refunded_cents", line.refunded_cents},
                                   {"attempts", line.attempts},
                                   {"captures", line.captures}});
    request->json(200, json::object{{"items", std::move(items)}});
  });
}

void reconcile_route(const admin_context& context, call_ptr request) {
  context.read_lane.run(request, [&context, request] {
    auto differences = context.reconcile();
    if (!differences)
      return request->fail(differences.error());
    json::array items;
    for (auto& difference : *differences)
      items.push_back(json::object{{"payment_id", difference.payment_id},
                                   {"kind", difference.kind},
                                   {"ledger_cents", difference.ledger_cents},
                                   {"psp_cents", difference.psp_cents}});
    request->json(200, json::object{{"ok", items.empty()},
                                    {"differences", std::move(items)}});
  });
}

void health_route(const admin_context& context, call_ptr request) {
  auto dead = context.dead_reason ? context.dead_reason() : std::string{};
  if (dead.empty())
    return request->reply(200, "{\"status\":\"ok\"}");
  // Only a failed log makes the node dead: it is stopping for good.
  request->fail(errc::storage_failure, dead);
}

void ready_route(const admin_context& context, call_ptr request) {
  auto why = context.unready_reason ? context.unready_reason()
                                    : std::string{"starting"};
  if (why.empty())
    return request->reply(200, "{\"status\":\"ready\"}");
  request->fail(errc::unavailable, why);
}

void metrics_route(const admin_context& context, call_ptr request) {
  auto text = context.metrics ? context.metrics() : "";
  request->respond(
      http_response{200, "text/plain; version=0.0.4", {}, std::move(text)});
}

} // namespace

schema recorded_event_schema(const std::optional<schema>& event,
                             const std::optional<schema>& state) {
  auto envelope = schema::object(
      {required("stream", schema::text()),
       required("sequence", schema::integer(1)),
       required("position", schema::integer(0)),
       required("type_id", schema::integer(0)),
       required("version", schema::integer(0)),
       required("recorded_at", time_schema()),
       required("correlation_id", schema::text()),
       required("causation_id", schema::text()),
       optional("event", event.value_or(schema::any_object())
                             .about("left out for a stream of no known "
                                    "kind")),
       optional("state", state.value_or(schema::any_object())
                             .about("the state after the event, with "
                                    "with_state=true"))});
  return schema::named("RecordedEvent", envelope);
}

namespace {

/// `event` and `state`: what the node's replay renders (the admin's
/// stream routes answer it), any object without.
schema stream_events_schema(const std::optional<schema>& event,
                            const std::optional<schema>& state) {
  return schema::named(
      "StreamEvents",
      schema::object(
          {required("stream", schema::text()),
           required("items", schema::list(recorded_event_schema(event, state),
                                          stream_events_max))}));
}

schema stream_state_schema(const std::optional<schema>& state) {
  return schema::named(
      "StreamState",
      schema::object(
          {required("stream", schema::text()),
           required("sequence", schema::integer(1)),
           required("recorded_at", time_schema()),
           optional("state", state.value_or(schema::any_object())
                                 .about("left out for a stream of no known "
                                        "kind"))}));
}

schema audit_schema() {
  auto findings = [](std::string about) {
    return schema::list(schema::text()).about(std::move(about));
  };
  return schema::named(
      "AuditReport",
      schema::object(
          {required("ok", schema::boolean().about("no finding at all")),
           required("events", schema::integer(0)),
           required("skus", schema::integer(0)),
           required("orders", schema::integer(0)),
           required("payments", schema::integer(0)),
           required("oversold_skus",
                    findings("SKUs (and flash_sale-<id> streams) sold past "
                             "their stock")),
           required("orders_without_payment",
                    findings("orders past payment with no capture")),
           required("unbalanced_transactions",
                    findings("ledger transactions that do not sum to 0")),
           required("double_charges", findings("keys charged twice")),
           required("line_mismatches",
                    findings("units sold that differ from units paid")),
           required("unrefunded_cancellations",
                    findings("paid orders cancelled and not refunded")),
           required("parked_refunds",
                    findings("refunds the PSP kept refusing")),
           required("flash_sale_limits_passed",
                    findings("flash sales that sold a buyer past its "
                             "per-user limit"))}));
}

schema ledger_page_schema() {
  return page_schema(
      "LedgerPage",
      schema::object({required("account", schema::text()),
                      required("currency", currency_schema()),
                      required("balance_cents", cents_schema())}));
}

schema reconciliation_schema() {
  auto difference = schema::object({required("payment_id", schema::text()),
                                    required("kind", schema::text()),
                                    required("ledger_cents", cents_schema()),
                                    required("psp_cents", cents_schema())});
  return schema::named(
      "Reconciliation",
      schema::object({required("ok", schema::boolean()),
                      required("differences", schema::list(difference))}));
}

schema psp_charges_schema() {
  auto charge = schema::object(
      {required("key", schema::text()), required("reference", schema::text()),
       required("currency", currency_schema()),
       required("captured_cents", cents_schema()),
       required("refunded_cents", cents_schema()),
       required("attempts", schema::integer(0)),
       required("captures",
                schema::integer(0).about("more than 1 is a double charge"))});
  return schema::named(
      "PspCharges", schema::object({required("items", schema::list(charge))}));
}

schema cluster_schema() {
  auto member = schema::object(
      {required("id", schema::text()),
       required("address", schema::text().about("HOST:PORT, as --members")),
       required("status", schema::choice({"up", "down"})),
       required("last_seen_ms",
                schema::integer(0)
                    .about("when it last answered, in milliseconds since "
                           "the epoch; null: not since this member started")
                    .nullable()),
       required("replication_lag_events",
                schema::integer(0)
                    .about("its committed events this member's read models "
                           "have not applied yet; null: not known")
                    .nullable())});
  return schema::named(
      "Cluster",
      schema::object(
          {required("node_id",
                    schema::text().about("this member; empty: a single node")),
           required("members",
                    schema::list(member).about(
                        "every member, this one too, in id order; empty for "
                        "a single node"))}));
}

/// {"status": value}: what liveness and readiness answer.
schema status_schema(std::string name, std::string value) {
  return schema::named(
      std::move(name),
      schema::object({required("status", schema::choice({std::move(value)}))}));
}

/// The cluster, liveness, readiness and metrics: for operators, load
/// balancers and Prometheus.
std::vector<route>
operation_routes(const std::shared_ptr<const admin_context>& context) {
  auto on = binder(context);
  return {
      route{"GET",
            "/v1/admin/cluster",
            access::admin,
            on(cluster_route),
            "The members and what this one knows of each",
            {}}
          .gives(200, cluster_schema(), "Every member's state"),
      route{"GET", "/healthz", access::anyone, on(health_route), "Liveness", {}}
          .gives(200, status_schema("Live", "ok"),
                 "Alive; 503 once the log failed"),
      route{"GET",
            "/readyz",
            access::anyone,
            on(ready_route),
            "Readiness: recovered and caught up",
            {}}
          .gives(200, status_schema("Ready", "ready"), "Ready for traffic"),
      route{"GET",
            "/metrics",
            access::anyone,
            on(metrics_route),
            "Prometheus metrics",
            {}}
          .gives(answer{200,
                        schema::text(),
                        "Prometheus text format 0.0.4",
                        {},
                        "text/plain"}),
  };
}

} // namespace

std::vector<route> admin_routes(const route_sources& sources) {
  auto& from = sources.dependencies;
  auto context = std::make_shared<const admin_context>(admin_context{
      sources.read_lane, *from.ledger, from.stream_events, from.stream_state,
      from.audit, from.reconcile, from.psp_charges, from.unready_reason,
      from.dead_reason, from.metrics, from.cluster});
  auto on = binder(context);
  auto& by = replay();
  auto stream = in_path("stream", schema::text(stream_id_size_max, 1)
                                      .about("<kind>-<id>: sku-TSHIRT-RED-M, "
                                             "order-<id>, cart-<user id>"));
  std::vector<route> routes{
      route{"GET",
            "/v1/admin/streams/{stream}/events",
            access::admin,
            on(stream_events_route),
            "A stream's events",
            {400, 404}}
          .with({stream, by.from, by.to, by.limit, by.with_state})
          .gives(200,
                 stream_events_schema(from.event_schema, from.state_schema),
                 "The events in order, with their envelopes"),
      route{"GET",
            "/v1/admin/streams/{stream}/state",
            access::admin,
            on(stream_state_route),
            "A stream's state at a sequence or time",
            {400, 404}}
          .with({stream, by.at_sequence, by.at_time})
          .gives(200, stream_state_schema(from.state_schema),
                 "The state rebuilt from the events"),
      route{"GET",
            "/v1/admin/audit",
            access::admin,
            on(audit_route),
            "The invariant report",
            {}}
          .gives(200, audit_schema(), "What the auditor found"),
      route{"GET",
            "/v1/admin/ledger",
            access::admin,
            on(ledger_route),
            "Ledger balances per account",
            {400}}
          .with({limit_query(), cursor_query()})
          .gives(200, ledger_page_schema(), "Balances, in account order"),
      route{"POST",
            "/v1/admin/reconcile",
            access::admin,
            on(reconcile_route),
            "Compare the ledger with the PSP",
            {}}
          .gives(200, reconciliation_schema(),
                 "Where the ledger and the PSP differ"),
      route{"GET",
            "/v1/admin/psp/charges",
            access::admin,
            on(psp_charges_route),
            "The PSP's own books, per charge key",
            {}}
          .gives(200, psp_charges_schema(),
                 "Every charge key the PSP has seen"),
  };
  for (auto& entry : operation_routes(context))
    routes.push_back(std::move(entry));
  return routes;
}

} // namespace tillroll
