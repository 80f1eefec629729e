// /openapi.json, built from the route table itself so it cannot drift
// from what the server routes.
#include "http/api_internal.hpp"

#include <boost/json/parse.hpp>

namespace tillroll {

namespace json = boost::json;

namespace {

const char* status_text(unsigned status) {
  switch (status) {
  case 200:
    return "OK";
  case 201:
    return "Created";
  case 202:
    return "Accepted: checkout queued, poll the order";
  case 304:
    return "Not modified (If-None-Match)";
  case 400:
    return "Malformed or invalid input; the message names the field";
  case 401:
    return "No or bad token";
  case 402:
    return "Payment declined";
  case 403:
    return "Not yours, or not for your role";
  case 404:
    return "Unknown";
  case 405:
    return "Wrong method";
  case 409:
    return "Conflict: out of stock, wrong state, or idempotency key reused "
           "with other parameters";
  case 413:
    return "Body too large";
  case 415:
    return "Body is not application/json in UTF-8, or has a Content-Encoding "
           "other than identity";
  case 503:
    return "Overloaded or not ready (Retry-After)";
  }
  return "Response";
}

unsigned success_status(const route& entry) {
  if (entry.method == "POST" &&
      (entry.pattern == "/v1/users" || entry.pattern == "/v1/products" ||
       entry.pattern == "/v1/products/{id}/reviews" ||
       entry.pattern == "/v1/checkout"))
    return 201;
  return 200;
}

json::array parameters_of(const route& entry) {
  json::array parameters;
  std::string_view pattern = entry.pattern;
  for (size_t open = pattern.find('{'); open != std::string_view::npos;
       open = pattern.find('{', open + 1)) {
    auto close = pattern.find('}', open);
    parameters.push_back(
        json::object{{"name", pattern.substr(open + 1, close - open - 1)},
                     {"in", "path"},
                     {"required", true},
                     {"schema", json::object{{"type", "string"}}}});
  }
  if (entry.pattern == "/v1/checkout")
    parameters.push_back(json::object{
        {"name", "Idempotency-Key"},
        {"in", "header"},
        {"required", true},
        {"schema", json::object{{"type", "string"}, {"maxLength", 64}}}});
  return parameters;
}

json::object request_body_of(const route& entry) {
  return json::object{
      {"required",
       entry.pattern.find("/cancel") == std::string_view::npos &&
           entry.pattern.find("/ship") == std::string_view::npos &&
           entry.pattern.find("/deliver") == std::string_view::npos &&
           entry.pattern.find("/refund") == std::string_view::npos &&
           entry.pattern != "/v1/admin/reconcile"},
      {"content",
       json::object{
           {"application/json",
            json::object{{"schema", json::object{{"type", "object"}}}}}}}};
}

json::object responses_of(const route& entry) {
  auto error_ref = json::object{
      {"content",
       json::object{
           {"application/json",
            json::object{
                {"schema",
                 json::object{{"$ref", "#/components/schemas/Error"}}}}}}}};
  json::object responses;
  auto success = success_status(entry);
  responses[std::to_string(success)] = json::object{
      {"description", status_text(success)},
      {"content",
       json::object{
           {entry.pattern == "/metrics" ? "text/plain" : "application/json",
            json::object{{"schema", json::object{{"type", "object"}}}}}}}};
  if (entry.pattern == "/v1/checkout")
    responses["202"] = json::object{{"description", status_text(202)}};
  if (entry.pattern == "/v1/products/{id}" && entry.method == "GET")
    responses["304"] = json::object{{"description", status_text(304)}};
  std::vector<unsigned> errors = entry.errors;
  if (entry.who != access::anyone) {
    errors.push_back(401);
    errors.push_back(403);
  }
  errors.push_back(503);
  for (auto status : errors) {
    auto response = error_ref;
    response["description"] = status_text(status);
    responses[std::to_string(status)] = std::move(response);
  }
  return responses;
}

json::object operation_of(const route& entry) {
  json::object operation;
  operation["summary"] = entry.summary;
  std::string operation_id{entry.method};
  for (char c : entry.pattern)
    operation_id += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  operation["operationId"] = operation_id;
  if (entry.who != access::anyone) {
    operation["security"] =
        json::array{json::object{{"bearer", json::array{}}}};
    const char* role = entry.who == access::buyer    ? "buyer"
                       : entry.who == access::seller ? "seller"
                       : entry.who == access::admin  ? "admin"
                                                     : "any signed-in user";
    operation["description"] = std::string{"For: "} + role + ".";
  }
  if (auto parameters = parameters_of(entry); !parameters.empty())
    operation["parameters"] = std::move(parameters);
  if (entry.method == "POST" || entry.method == "PUT" ||
      entry.method == "PATCH")
    operation["requestBody"] = request_body_of(entry);
  operation["responses"] = responses_of(entry);
  return operation;
}

} // namespace

std::string build_openapi(const std::vector<route>& routes) {
  json::object paths;
  for (auto& entry : routes) {
    std::string method{entry.method};
    for (auto& c : method)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto& path = paths[entry.pattern];
    if (!path.is_object())
      path = json::object{};
    path.as_object()[method] = operation_of(entry);
  }
  json::object document{
      {"openapi", "3.0.3"},
      {"info", json::object{{"title", "tillroll"},
                            {"version", "1"},
                            {"description",
                             "An event-sourced commerce engine. Money is an "
                             "integer of minor units with an ISO currency; "
                             "lists take limit (default 20, max 100) and "
                             "cursor and return {items, next_cursor}."}}},
      {"paths", std::move(paths)},
      {"components",
       json::object{
           {"securitySchemes",
            json::object{{"bearer", json::object{{"type", "http"},
                                                 {"scheme", "bearer"}}}}},
           {"schemas",
            json::object{
                {"Error", json::parse(R"({"type":"object","required":["error"],
                   "properties":{"error":{"type":"object","required":["code","message"],
                   "properties":{"code":{"type":"string","enum":["invalid_argument",
                   "unauthorized","payment_declined","forbidden","not_found","conflict",
                   "out_of_stock","wrong_state","idempotency_conflict","too_large",
                   "unsupported_media_type","method_not_allowed","rate_limited",
                   "unavailable","overloaded","timeout","request_timeout"]},
                   "message":{"type":"string"},"details":{"type":"object"}}}}})")}}}}}};
  return json::serialize(document);
}

} // namespace tillroll
