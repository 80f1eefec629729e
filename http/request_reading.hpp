// How the server reads a request off the wire: Beast's parser with the
// server's limits, the answer to bytes that are not a request, and the
// request the handler gets. Beast inside: included by server.cpp and the
// fuzz harness, never by a widely included header.
#pragma once

#include "http/server.hpp"

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>

namespace tillroll {

using request_message =
    boost::beast::http::request<boost::beast::http::string_body>;
using request_parser =
    boost::beast::http::request_parser<boost::beast::http::string_body>;

/// Puts the header and body limits of `options` on a fresh parser.
void limit_request(request_parser& parser, const http_server_options& options);

/// The answer to a request that could not be read: 413 past a limit, 400
/// for malformed bytes; nullopt when the peer went away or was too slow,
/// and the connection just closes.
std::optional<http_response>
unreadable_request_response(boost::beast::error_code error);

/// What the handler is given of a parsed message; `message` is moved from.
http_request to_http_request(request_message&& message);

} // namespace tillroll
