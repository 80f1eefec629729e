#include "http/errors.hpp"

namespace tillroll {

unsigned http_status_of(errc code) noexcept {
  switch (code) {
  case errc::invalid_argument:
    return 400;
  case errc::unauthorized:
    return 401;
  case errc::payment_declined:
    return 402;
  case errc::forbidden:
  case errc::not_admitted:
    return 403;
  case errc::not_found:
    return 404;
  case errc::conflict:
  case errc::out_of_stock:
  case errc::wrong_state:
  case errc::idempotency_conflict:
  case errc::reservation_expired:
  case errc::delisted:
  case errc::currency_mismatch:
  case errc::key_expired:
  case errc::per_user_limit:
  case errc::sold_out:
  case errc::sale_ended:
    return 409;
  case errc::method_not_allowed:
    return 405;
  case errc::request_timeout:
    return 408;
  case errc::too_large:
    return 413;
  case errc::unsupported_media_type:
    return 415;
  case errc::rate_limited:
    return 429;
  case errc::overloaded:
  case errc::unavailable:
  case errc::timeout:
  case errc::node_unavailable:
  case errc::not_owner:
  // The log failed: the node is stopping (fail-stop); another node, or
  // this one restarted, will answer.
  case errc::storage_failure:
    return 503;
  case errc::none:
  case errc::corrupt_record:
    break;
  }
  return 500;
}

http_response failure_response(const failure& problem,
                               std::string_view details_json) {
  auto response = error_response(http_status_of(problem.code),
                                 to_string(problem.code), problem.message);
  // The member a request needed and could not reach (ids are
  // [A-Za-z0-9_-], so they need no escaping), beside any other details.
  std::string with_node;
  if (problem.code == errc::node_unavailable && !problem.node.empty()) {
    with_node = "{\"node\":\"" + problem.node + "\"";
    with_node += details_json.size() > 2
                     ? "," + std::string{details_json.substr(1)}
                     : std::string{"}"};
    details_json = with_node;
  }
  if (!details_json.empty()) {
    // error_response ends with "}}": put the details inside the error.
    response.body.resize(response.body.size() - 2);
    response.body += ",\"details\":";
    // Serialized JSON carries string bytes as they were: keep it UTF-8.
    response.body += replace_invalid_utf8(details_json);
    response.body += "}}";
  }
  if (response.status == 503)
    response.headers.emplace_back("Retry-After", "1");
  return response;
}

} // namespace tillroll
