// The HTTP/1.1 server: Boost.Beast, asynchronous, keep-alive, with limits
// on headers, bodies, connections and time. Routes are someone else's
// business: every request goes to one handler, which answers through a
// responder callable from any thread (e.g. an actor's reply).
#pragma once

#include "events/expected.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tillroll {

struct http_request {
  std::string method;
  /// Path and query, as sent.
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// The first header of that name (case-insensitive), or empty.
  std::string_view header(std::string_view name) const;
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

using http_responder = std::function<void(http_response)>;
using http_handler = std::function<void(http_request, http_responder)>;

struct http_server_options {
  std::string host = "127.0.0.1";
  /// 0 picks a free port; `start` returns it.
  uint16_t port = 8080;
  /// Larger bodies get 413.
  size_t body_size_max = size_t{1} << 20;
  size_t header_size_max = size_t{16} << 10;
  /// Most open connections; more are closed at accept.
  size_t connections_max = 10'000;
  /// A connection silent this long, or a request not read in this time,
  /// is closed.
  std::chrono::seconds idle_timeout{30};
  /// A handler that has not answered in this time gets 503.
  std::chrono::seconds handler_timeout{30};
  /// How long `stop` waits for in-flight requests.
  std::chrono::seconds drain_timeout{10};
};

class http_server {
public:
  http_server(http_server_options options, http_handler handler);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds and starts serving on one io thread; the bound port.
  [[nodiscard]] expected<uint16_t> start();

  /// Stops accepting, lets in-flight requests finish (up to the drain
  /// timeout), then closes every connection.
  void stop();

  /// Requests currently being handled.
  size_t in_flight() const;

  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

/// A JSON error body as API.md specifies: {"error": {"code", "message"}}.
http_response error_response(unsigned status, std::string_view code,
                             std::string_view message);

} // namespace tillroll
