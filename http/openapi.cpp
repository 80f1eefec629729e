// /openapi.json, built from the route table itself: each route's
// parameters, body and answers are the values its handler reads and
// checks with, and the error codes of each status come from the one table
// in http/errors.cpp. So the description cannot drift from the server.
#include "events/json_text.hpp"
#include "http/api_internal.hpp"

#include <map>
#include <set>

namespace tillroll {

namespace json = boost::json;

namespace {

const char* status_text(unsigned status) {
  switch (status) {
  case 400:
    return "Malformed or invalid input; the message names the field";
  case 401:
    return "No or bad token";
  case 402:
    return "Payment declined; the order is cancelled";
  case 403:
    return "Not yours, or not for your role";
  case 404:
    return "Unknown";
  case 408:
    return "The request did not arrive in time";
  case 409:
    return "Conflict: out of stock, wrong state, or idempotency key reused "
           "with other parameters";
  case 413:
    return "Body or headers too large";
  case 415:
    return "Body is not application/json in UTF-8, or has a Content-Encoding "
           "other than identity";
  case 429:
    return "Rate limited (Retry-After)";
  case 503:
    return "Overloaded, not ready or stopping (Retry-After)";
  }
  return "Error";
}

/// The error body of one status, its codes those the table maps to it.
schema error_schema(unsigned status) {
  std::vector<std::string> codes;
  for (auto code = static_cast<int>(errc::none) + 1;
       code <= static_cast<int>(errc_last); ++code)
    if (http_status_of(static_cast<errc>(code)) == status)
      codes.emplace_back(to_string(static_cast<errc>(code)));
  return schema::named(
      "Error" + std::to_string(status),
      schema::object({required(
          "error",
          schema::object(
              {required("code", schema::choice(std::move(codes))),
               required("message",
                        schema::text().about("for people: which field, what "
                                             "to do")),
               optional("details",
                        schema::any_object().about(
                            "what the error is about: the skus short, the "
                            "order id"))}))}));
}

json::object content_of(const std::string& media, const schema& body,
                        json::object& components) {
  return json::object{
      {media, json::object{{"schema", body.document(components)}}}};
}

json::array parameters_of(const route& entry, json::object& components) {
  json::array out;
  std::set<std::string> listed;
  for (auto& spec : entry.parameters) {
    const char* place = spec.in == parameter_place::path    ? "path"
                        : spec.in == parameter_place::query ? "query"
                                                            : "header";
    listed.insert(spec.name);
    json::object parameter{{"name", spec.name},
                           {"in", place},
                           {"required", spec.required},
                           {"schema", spec.type.document(components)}};
    out.push_back(std::move(parameter));
  }
  std::string_view pattern = entry.pattern;
  for (size_t open = pattern.find('{'); open != std::string_view::npos;
       open = pattern.find('{', open + 1)) {
    auto close = pattern.find('}', open);
    auto name = std::string{pattern.substr(open + 1, close - open - 1)};
    if (!listed.contains(name))
      out.push_back(json::object{{"name", name},
                                 {"in", "path"},
                                 {"required", true},
                                 {"schema", json::object{{"type", "string"}}}});
  }
  return out;
}

/// Every status a route can answer with an error: its own, what its
/// access adds, and what any request can meet (a malformed query, a slow
/// or large request, an overloaded or stopping node).
std::set<unsigned> error_statuses(const route& entry) {
  std::set<unsigned> statuses{entry.errors.begin(), entry.errors.end()};
  for (auto status : {400u, 408u, 413u, 503u})
    statuses.insert(status);
  if (entry.who != access::anyone) {
    statuses.insert(401);
    statuses.insert(403);
  }
  if (entry.request)
    statuses.insert(415);
  return statuses;
}

json::object headers_of(const std::vector<answer_header>& headers,
                        json::object& components) {
  json::object out;
  for (auto& header : headers)
    out[header.name] =
        json::object{{"description", header.about},
                     {"required", header.required},
                     {"schema", header.type.document(components)}};
  return out;
}

json::object responses_of(const route& entry, json::object& components) {
  json::object responses;
  for (auto& given : entry.answers) {
    json::object response{
        {"description", given.about.empty() ? std::string{"OK"} : given.about}};
    if (given.body)
      response["content"] = content_of(given.media, *given.body, components);
    if (!given.headers.empty())
      response["headers"] = headers_of(given.headers, components);
    responses[std::to_string(given.status)] = std::move(response);
  }
  auto retry_after = std::vector<answer_header>{
      {"Retry-After", schema::integer(0), "seconds to wait before a retry"}};
  for (auto status : error_statuses(entry)) {
    json::object response{
        {"description", status_text(status)},
        {"content",
         content_of("application/json", error_schema(status), components)}};
    if (status == 503 || status == 429)
      response["headers"] = headers_of(retry_after, components);
    if (status == 405)
      response["headers"] =
          headers_of({{"Allow", schema::text(), "the methods the path takes"}},
                     components);
    responses[std::to_string(status)] = std::move(response);
  }
  return responses;
}

json::object operation_of(const route& entry, json::object& components) {
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
  if (auto parameters = parameters_of(entry, components); !parameters.empty())
    operation["parameters"] = std::move(parameters);
  if (entry.request)
    operation["requestBody"] =
        json::object{{"required", !entry.request_optional},
                     {"content", content_of("application/json", *entry.request,
                                            components)}};
  operation["responses"] = responses_of(entry, components);
  return operation;
}

} // namespace

std::string build_openapi(const std::vector<route>& routes) {
  json::object paths, components;
  for (auto& entry : routes) {
    std::string method{entry.method};
    for (auto& c : method)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto& path = paths[entry.pattern];
    if (!path.is_object())
      path = json::object{};
    path.as_object()[method] = operation_of(entry, components);
  }
  // What a request that reaches no route meets: 404 for a path no route
  // has, 405 with Allow for a method the path does not take.
  for (auto status : {400u, 404u, 405u, 408u, 413u})
    (void)error_schema(status).document(components);
  json::object document{
      {"openapi", "3.0.3"},
      {"info",
       json::object{
           {"title", "tillroll"},
           {"version", "1"},
           {"description",
            "An event-sourced commerce engine. Money is an integer of minor "
            "units with an ISO 4217 currency; lists take limit (default 20, "
            "max 100) and cursor and return {items, next_cursor}. String "
            "limits count UTF-8 bytes. An integer field takes a JSON integer "
            "written without a fraction or an exponent (2.0 is refused). A "
            "body with a field the schema does "
            "not name is refused (400), a query parameter given twice too."}}},
      {"paths", std::move(paths)},
      {"components",
       json::object{
           {"securitySchemes",
            json::object{
                {"bearer",
                 json::object{{"type", "http"},
                              {"scheme", "bearer"},
                              {"bearerFormat", "tillroll signed token"},
                              {"description",
                               "Authorization: Bearer <token> from POST "
                               "/v1/sessions; sent once"}}}}},
           {"schemas", std::move(components)}}}};
  return json_text(document);
}

} // namespace tillroll
