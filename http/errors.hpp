// The one table from error values to API.md's HTTP statuses and codes, so
// the API cannot drift from the domain's errors.
#pragma once

#include "events/errc.hpp"
#include "http/server.hpp"

namespace tillroll {

/// The HTTP status of an error code.
unsigned http_status_of(errc code) noexcept;

/// {"error": {"code", "message", "details"?}} with the mapped status;
/// `details_json` is a JSON object text or empty.
http_response failure_response(const failure& problem,
                               std::string_view details_json = {});

} // namespace tillroll
