// Admin routes: time travel over any stream, the audit, the ledger and
// reconciliation with the PSP. Each reads the log on the worker pool.
#include "events/keys.hpp"
#include "http/api_internal.hpp"
#include "projections/ledger/ledger_balances.hpp"

namespace tillroll {

namespace json = boost::json;

namespace {

constexpr size_t stream_events_max = 1000;

} // namespace

void stream_events_route(api::impl& api, call_ptr request) {
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
  api.run_slow(request, [&api, request, stream, from = from->value_or(1),
                         to = to->value_or(INT64_MAX),
                         limit = limit->value_or(stream_events_max)] {
    auto events = api.dependencies.stream_events(
        stream, static_cast<uint64_t>(from), static_cast<uint64_t>(to),
        static_cast<size_t>(limit));
    if (!events)
      return request->fail(events.error());
    request->reply(200, std::move(*events));
  });
}

void stream_state_route(api::impl& api, call_ptr request) {
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
  api.run_slow(request, [&api, request, stream, sequence, at_time] {
    auto state = api.dependencies.stream_state(stream, sequence, at_time);
    if (!state)
      return request->fail(state.error());
    request->reply(200, std::move(*state));
  });
}

void audit_route(api::impl& api, call_ptr request) {
  api.run_slow(request, [&api, request] {
    auto report = api.dependencies.audit();
    if (!report)
      return request->fail(report.error());
    request->reply(200, std::move(*report));
  });
}

void ledger_route(api::impl& api, call_ptr request) {
  auto limit = limit_parameter(request->query);
  if (!limit)
    return request->fail(limit.error());
  // Accounts in key order; the cursor is the last key of the page before.
  auto after = text_parameter(request->query, "cursor");
  json::array items;
  std::optional<std::string> next_cursor;
  for (auto& [key, balance] : api.dependencies.ledger->balances()) {
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

void psp_charges_route(api::impl& api, call_ptr request) {
  api.run_slow(request, [&api, request] {
    auto charges = api.dependencies.psp_charges();
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

void reconcile_route(api::impl& api, call_ptr request) {
  api.run_slow(request, [&api, request] {
    auto differences = api.dependencies.reconcile();
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

} // namespace tillroll
