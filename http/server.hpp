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
  /// The client's IP address, as the connection came from it.
  std::string client_address;

  /// The first header of that name (case-insensitive), or empty.
  std::string_view header(std::string_view name) const;
  /// How many headers of that name it has (case-insensitive).
  size_t header_count(std::string_view name) const;
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

using http_responder = std::function<void(http_response)>;
using http_handler = std::function<void(http_request, http_responder)>;

/// After a failed accept (out of file descriptors, memory or buffers) the
/// server waits this long and accepts again. The connection waits in the
/// listen backlog meanwhile; retrying at once would spin on the same error.
inline constexpr std::chrono::milliseconds accept_retry_delay{50};
/// A connection the server closes after an answer (a refusal at a limit,
/// 408, 413, 400) is drained up to this long, reading and discarding what
/// the client still sends, so the client reads the answer, not a reset.
inline constexpr std::chrono::milliseconds close_linger{1000};
/// Most connections being refused (503) at once; past it, new connections
/// wait in the listen backlog until a refusal is done.
inline constexpr size_t refusals_max = 32;
/// File descriptors kept free of connections for the log, the search index
/// and what they open later: connections get at most the open-file limit
/// minus the descriptors open at start, this, and `refusals_max`.
inline constexpr size_t descriptors_spare = 64;

struct http_server_options {
  std::string host = "127.0.0.1";
  /// 0 picks a free port; `start` returns it.
  uint16_t port = 8080;
  /// Larger bodies get 413.
  size_t body_size_max = size_t{1} << 20;
  size_t header_size_max = size_t{16} << 10;
  /// Most open connections; a new one past it is answered 503 and closed.
  /// `start` lowers it to what the open-file limit allows (see
  /// `descriptors_spare`), raising the soft limit first if it may.
  size_t connections_max = 10'000;
  /// Most open connections from one client address; a new one past it is
  /// answered 503 and closed.
  size_t connections_per_address_max = 512;
  /// From a connection's accept, or from the first byte of a later request
  /// on it, to the end of the request's headers. Past it: 408, then close.
  std::chrono::milliseconds header_timeout{std::chrono::seconds{10}};
  /// A kept-alive connection silent this long between requests is closed;
  /// a body must arrive within it too.
  std::chrono::seconds idle_timeout{30};
  /// A handler that has not answered in this time gets 503.
  std::chrono::seconds handler_timeout{30};
  /// How long `stop` waits for in-flight requests.
  std::chrono::seconds drain_timeout{10};
  /// Threads reading and writing connections, each with its own share of
  /// them; handlers that answer from memory (product pages) run there.
  size_t io_threads = 2;
};

class http_server {
public:
  http_server(http_server_options options, http_handler handler);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds and starts serving on `io_threads` threads; the bound port.
  [[nodiscard]] expected<uint16_t> start();

  /// Stops accepting, lets in-flight requests finish (up to the drain
  /// timeout), then closes every connection.
  void stop();

  /// Requests currently being handled.
  size_t in_flight() const;
  /// The connection limit in force: `connections_max`, or less when the
  /// open-file limit allows less. Known after `start`.
  size_t connections_limit() const;

  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

/// A JSON error body as API.md specifies: {"error": {"code", "message"}},
/// valid UTF-8 whatever bytes `message` holds.
http_response error_response(unsigned status, std::string_view code,
                             std::string_view message);

/// `text` with every byte that is not part of well-formed UTF-8 replaced
/// by U+FFFD: what a client sent may be echoed in an answer, which must
/// stay valid UTF-8 JSON.
std::string replace_invalid_utf8(std::string_view text);
/// Whether `text` is well-formed UTF-8 (no overlong forms, no surrogates).
bool is_valid_utf8(std::string_view text);

} // namespace tillroll
