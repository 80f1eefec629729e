#include "http/request_reading.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>

namespace tillroll {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

void limit_request(request_parser& parser, const http_server_options& options) {
  parser.header_limit(static_cast<std::uint32_t>(options.header_size_max));
  parser.body_limit(options.body_size_max);
}

std::optional<http_response>
unreadable_request_response(beast::error_code error) {
  if (error == bhttp::error::body_limit)
    return error_response(413, "too_large", "the body is too large");
  if (error == bhttp::error::header_limit)
    return error_response(413, "too_large", "the headers are too large");
  // The peer closed, reset or was too slow: nobody is left to read an
  // answer.
  if (error == bhttp::error::end_of_stream || error == asio::error::eof ||
      error == beast::error::timeout ||
      error == asio::error::operation_aborted ||
      error == asio::error::connection_reset ||
      error == asio::error::bad_descriptor)
    return std::nullopt;
  return error_response(400, "invalid_argument", "malformed HTTP request");
}

http_request to_http_request(request_message&& message) {
  http_request request;
  request.method = std::string{message.method_string()};
  request.target = std::string{message.target()};
  for (auto& field : message)
    request.headers.emplace_back(std::string{field.name_string()},
                                 std::string{field.value()});
  request.body = std::move(message.body());
  return request;
}

} // namespace tillroll
