// Bytes off the wire as the server reads them: Beast's parser with the
// server's limits, then what the routes read from every request (path,
// query, JSON body, media type and coding). Whatever the bytes, the answer
// is a request or a 4xx, never a crash.
#include "http/request_input.hpp"
#include "http/request_reading.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "test/fuzz/fuzz_input.hpp"

using namespace tillroll;
namespace bhttp = boost::beast::http;

namespace {

void read_query(const std::string& target) {
  auto query = query_parameters(target);
  if (!query)
    return;
  for (auto& [name, value] : *query) {
    fuzz::require(is_valid_utf8(name) && is_valid_utf8(value),
                  "query parameters are UTF-8");
    for (auto& shape : {schema::text(8), schema::integer(-1000, 1000),
                        schema::choice({"newest", "rating"})}) {
      auto spec = in_query(name, shape);
      if (auto text = text_parameter(*query, spec); !text)
        fuzz::require_client_error(text.error());
      if (auto number = integer_parameter(*query, spec); !number)
        fuzz::require_client_error(number.error());
      if (auto flag = bool_parameter(*query, spec); !flag)
        fuzz::require_client_error(flag.error());
    }
  }
  if (auto limit = limit_parameter(*query); !limit)
    fuzz::require_client_error(limit.error());
  else
    fuzz::require(*limit >= 1 && *limit <= 100, "a limit within 1 to 100");
}

void read_request(const http_request& request) {
  auto path = target_path(request.target);
  fuzz::require(path.size() <= request.target.size(),
                "a path within its target");
  read_query(request.target);
  if (auto media = check_json_media_type(request.header("Content-Type"));
      !media)
    fuzz::require_client_error(media.error());
  if (auto coding = check_identity_encoding(request.header("Content-Encoding"));
      !coding)
    fuzz::require_client_error(coding.error());
  if (auto body = json_body(request); !body)
    fuzz::require_client_error(body.error());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const http_server_options options;
  request_parser parser;
  limit_request(parser, options);
  parser.eager(true);
  boost::beast::error_code error;
  auto rest = fuzz::text_of(data, size);
  // As Beast's read feeds it when every byte has arrived: put again while
  // the parser takes some and is not done; need_more means the peer must
  // send more, and it closes instead.
  while (!rest.empty() && !parser.is_done()) {
    auto used =
        parser.put(boost::asio::buffer(rest.data(), rest.size()), error);
    rest.remove_prefix(used);
    if (error == bhttp::error::need_more) {
      error = {};
      break;
    }
    if (error)
      break;
  }
  // The peer's close, as Beast's read reports it.
  if (!error && !parser.is_done()) {
    if (parser.got_some())
      parser.put_eof(error);
    else
      error = bhttp::error::end_of_stream;
  }
  if (error) {
    auto answer = unreadable_request_response(error);
    fuzz::require(!answer || answer->status == 400 || answer->status == 413,
                  "an unreadable request is 400 or 413, or just closed");
    return 0;
  }
  if (!parser.is_done())
    return 0;
  read_request(to_http_request(parser.release()));
  return 0;
}
