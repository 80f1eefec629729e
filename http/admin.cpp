// Admin and operations routes: time travel over any stream, the audit,
// the ledger, reconciliation with the PSP and its books; liveness,
// readiness and metrics. Slow reads run on the read lane.
#include "events/keys.hpp"
#include "http/api_internal.hpp"
#include "projections/ledger/ledger_balances.hpp"

namespace tillroll {

namespace json = boost::json;

namespace {

constexpr size_t stream_events_max = 1000;

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
};

void stream_events_route(const admin_context& context, call_ptr request) {
  auto stream = request->parameter(0);
  if (auto valid = validate_stream_id(stream); !valid)
    return request->fail(valid.error());
  auto from = integer_parameter(request->query, "from_seq", 1, INT64_MAX);
  auto to = integer_parameter(request->query, "to_seq", 1, INT64_MAX);
  auto limit = integer_parameter(request->query, "limit", 1, stream_events_max);
  for (auto* problem :
       {from ? nullptr : &from.error(), to ? nullptr : &to.error(),
        limit ? nullptr : &limit.error()})
    if (problem != nullptr)
      return request->fail(*problem);
  context.read_lane.run(request, [&context, request, stream,
                                  from = from->value_or(1),
                                  to = to->value_or(INT64_MAX),
                                  limit = limit->value_or(stream_events_max)] {
    auto events = context.stream_events(stream, static_cast<uint64_t>(from),
                                        static_cast<uint64_t>(to),
                                        static_cast<size_t>(limit));
    if (!events)
      return request->fail(events.error());
    request->reply(200, std::move(*events));
  });
}

void stream_state_route(const admin_context& context, call_ptr request) {
  auto stream = request->parameter(0);
  if (auto valid = validate_stream_id(stream); !valid)
    return request->fail(valid.error());
  auto at_sequence = integer_parameter(request->query, "at_seq", 1, INT64_MAX);
  if (!at_sequence)
    return request->fail(at_sequence.error());
  std::optional<timestamp> at_time;
  if (auto found = request->query.find("at_time");
      found != request->query.end()) {
    at_time = parse_time(found->second);
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

void ledger_route(const admin_context& context, call_ptr request) {
  auto limit = limit_parameter(request->query);
  if (!limit)
    return request->fail(limit.error());
  // Accounts in key order; the cursor is the last key of the page before.
  auto after = text_parameter(request->query, "cursor");
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

std::vector<route> admin_routes(const route_sources& sources) {
  auto& from = sources.dependencies;
  auto context = std::make_shared<const admin_context>(admin_context{
      sources.read_lane, *from.ledger, from.stream_events, from.stream_state,
      from.audit, from.reconcile, from.psp_charges, from.unready_reason,
      from.dead_reason, from.metrics});
  auto on = binder(context);
  return {
      {"GET",
       "/v1/admin/streams/{stream}/events",
       access::admin,
       on(stream_events_route),
       "A stream's events",
       {400, 404}},
      {"GET",
       "/v1/admin/streams/{stream}/state",
       access::admin,
       on(stream_state_route),
       "A stream's state at a sequence or time",
       {400, 404}},
      {"GET",
       "/v1/admin/audit",
       access::admin,
       on(audit_route),
       "The invariant report",
       {}},
      {"GET",
       "/v1/admin/ledger",
       access::admin,
       on(ledger_route),
       "Ledger balances per account",
       {400}},
      {"POST",
       "/v1/admin/reconcile",
       access::admin,
       on(reconcile_route),
       "Compare the ledger with the PSP",
       {}},
      {"GET",
       "/v1/admin/psp/charges",
       access::admin,
       on(psp_charges_route),
       "The PSP's own books, per charge key",
       {}},
      {"GET", "/healthz", access::anyone, on(health_route), "Liveness", {}},
      {"GET",
       "/readyz",
       access::anyone,
       on(ready_route),
       "Readiness: recovered and caught up",
       {503}},
      {"GET",
       "/metrics",
       access::anyone,
       on(metrics_route),
       "Prometheus metrics",
       {}},
  };
}

} // namespace tillroll
