#include "http/server.hpp"

#include "http/request_reading.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <atomic>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <sys/resource.h>
#include <thread>
#include <unordered_set>

namespace tillroll {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string_view http_request::header(std::string_view name) const {
  for (auto& [key, value] : headers)
    if (beast::iequals(key, name))
      return value;
  return {};
}

size_t http_request::header_count(std::string_view name) const {
  size_t count = 0;
  for (auto& [key, value] : headers)
    count += beast::iequals(key, name) ? 1 : 0;
  return count;
}

namespace {

/// The length of the well-formed UTF-8 sequence at the start of `text`, or
/// 0 if it does not start with one.
size_t utf8_sequence_size(std::string_view text) {
  static constexpr uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  auto lead = static_cast<unsigned char>(text[0]);
  size_t size = 0;
  uint32_t code = 0;
  if (lead < 0x80)
    return 1;
  if ((lead & 0xe0) == 0xc0) {
    size = 2;
    code = lead & 0x1f;
  } else if ((lead & 0xf0) == 0xe0) {
    size = 3;
    code = lead & 0x0f;
  } else if ((lead & 0xf8) == 0xf0) {
    size = 4;
    code = lead & 0x07;
  } else {
    return 0;
  }
  if (text.size() < size)
    return 0;
  for (size_t at = 1; at < size; ++at) {
    auto follow = static_cast<unsigned char>(text[at]);
    if ((follow & 0xc0) != 0x80)
      return 0;
    code = (code << 6) | (follow & 0x3f);
  }
  if (code < smallest[size] || code > 0x10ffff ||
      (code >= 0xd800 && code <= 0xdfff))
    return 0;
  return size;
}

std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : replace_invalid_utf8(text)) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    default:
      if (c < 0x20) {
        char buffer[8];
        std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
        out += buffer;
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
  }
  return out;
}

/// The bytes of a response on the wire. Laid out by hand in one buffer: a
/// third of a small response's cost went to Beast's serializer views.
std::string wire_bytes(const http_response& answer, bool keep_alive,
                       bool head_request) {
  auto status = static_cast<bhttp::status>(answer.status);
  bool bodyless = answer.status == 304 || answer.status == 204;
  std::string out;
  out.reserve(192 + answer.body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(answer.status);
  out += ' ';
  out += bhttp::obsolete_reason(status);
  out += "\r\nServer: tillroll\r\nContent-Type: ";
  out += answer.content_type;
  out += "\r\n";
  for (auto& [name, value] : answer.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!bodyless) {
    out += "Content-Length: ";
    out += std::to_string(answer.body.size());
    out += "\r\n";
  }
  if (!keep_alive)
    out += "Connection: close\r\n";
  out += "\r\n";
  if (!bodyless && !head_request)
    out += answer.body;
  return out;
}

http_response overloaded_response(std::string_view message) {
  auto response = error_response(503, "overloaded", message);
  response.headers.emplace_back("Retry-After", "1");
  return response;
}

/// Descriptors open in this process now; 0 if it cannot tell.
size_t descriptors_open() {
  std::error_code error;
  size_t count = 0;
  for (std::filesystem::directory_iterator entry{"/proc/self/fd", error}, end;
       !error && entry != end; entry.increment(error))
    ++count;
  return error ? 0 : count;
}

/// Reads and discards what the peer still sends until it closes or the
/// stream's deadline passes, then closes: the graceful end of a connection
/// the server gives up, so the peer's TCP does not see a reset (which
/// would discard the answer unread).
template <class Owner>
void drain_then_close(std::shared_ptr<Owner> owner, beast::tcp_stream& stream) {
  auto discard = std::make_shared<std::array<char, 2048>>();
  stream.async_read_some(
      asio::buffer(*discard),
      [owner, &stream, discard](beast::error_code error, size_t) {
        if (error) {
          beast::error_code ignored;
          stream.socket().close(ignored);
          return;
        }
        drain_then_close(owner, stream);
      });
}

void linger_close(beast::tcp_stream& stream) {
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(close_linger);
}

} // namespace

std::string replace_invalid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    auto size = utf8_sequence_size(text);
    if (size == 0) {
      out += "\xef\xbf\xbd";
      text.remove_prefix(1);
    } else {
      out.append(text.substr(0, size));
      text.remove_prefix(size);
    }
  }
  return out;
}

bool is_valid_utf8(std::string_view text) {
  while (!text.empty()) {
    auto size = utf8_sequence_size(text);
    if (size == 0)
      return false;
    text.remove_prefix(size);
  }
  return true;
}

http_response error_response(unsigned status, std::string_view code,
                             std::string_view message) {
  http_response response;
  response.status = status;
  response.body = "{\"error\":{\"code\":\"" + json_escape(code) +
                  "\",\"message\":\"" + json_escape(message) + "\"}}";
  return response;
}

class session;

struct http_server::impl : std::enable_shared_from_this<impl> {
  explicit impl(size_t io_threads) : ios(io_contexts(io_threads)) {}

  static std::vector<std::unique_ptr<asio::io_context>>
  io_contexts(size_t count) {
    std::vector<std::unique_ptr<asio::io_context>> made;
    for (size_t at = 0; at < std::max<size_t>(count, 1); ++at)
      made.push_back(std::make_unique<asio::io_context>(1));
    return made;
  }

  http_server_options options;
  http_handler handler;
  /// One io_context a thread, each running alone: a connection lives on
  /// one of them for good, so its handlers need no strand.
  std::vector<std::unique_ptr<asio::io_context>> ios;
  /// Keeps each io thread running while its io_context has no connection.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>>
      keep_running;
  /// The io_context the next accepted connection goes to.
  size_t next_io = 0;
  tcp::acceptor acceptor{*ios.front()};
  /// Waits out `accept_retry_delay` after a failed accept or while every
  /// refusal slot is taken.
  asio::steady_timer accept_pause{*ios.front()};
  std::vector<std::thread> threads;
  /// `connections_max`, lowered to what the open-file limit allows.
  size_t connections_limit = 0;
  // The sessions and their count per client address; sessions end on any
  // thread (the last reference may be a handler's), so under the mutex.
  std::mutex sessions_mutex;
  std::unordered_set<session*> sessions;
  std::map<asio::ip::address, size_t> sessions_by_address;
  /// Refused connections still being answered.
  std::atomic<size_t> refusing{0};
  std::atomic<size_t> in_flight{0};
  std::atomic<bool> stopping{false};

  void accept();
  void accept_later();
  void on_accept(tcp::socket socket, asio::io_context& io);
  /// Why a connection from `from` is refused, or empty when it is
  /// admitted, and then counted against its address.
  std::string_view admit(const asio::ip::address& from);
  void refuse(tcp::socket socket, std::string_view reason);
};

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, std::shared_ptr<http_server::impl> server,
          asio::io_context& io, asio::ip::address from)
      : stream_(std::move(socket)), server_(std::move(server)), io_(io),
        from_(std::move(from)), header_deadline_(stream_.get_executor()) {}

  /// Registered by the acceptor, which counted it under the mutex.
  void start() { read_request(true); }

  ~session() {
    std::lock_guard guard{server_->sessions_mutex};
    server_->sessions.erase(this);
    auto found = server_->sessions_by_address.find(from_);
    if (found != server_->sessions_by_address.end() && --found->second == 0)
      server_->sessions_by_address.erase(found);
  }

  /// Closes the connection if it is between requests; a busy one closes
  /// after its response.
  void close_when_idle() {
    auto self = weak_from_this().lock();
    if (!self)
      return;
    asio::post(stream_.get_executor(), [self] {
      if (!self->busy_)
        self->stream_.socket().close();
    });
  }

private:
  /// A fresh connection's headers are due `header_timeout` after accept;
  /// a kept-alive one first waits, up to the idle timeout, for the next
  /// request's first byte, so only a request being sent has a deadline.
  void read_request(bool fresh) {
    parser_.emplace();
    limit_request(*parser_, server_->options);
    if (fresh || buffer_.size() > 0)
      return read_header();
    stream_.expires_after(server_->options.idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(first_read_size),
        [self = shared_from_this()](beast::error_code error, size_t size) {
          if (error)
            return self->close();
          self->buffer_.commit(size);
          self->read_header();
        });
  }

  void read_header() {
    // The deadline is our own timer, not the stream's: the stream closes
    // its socket when its deadline passes, and a late client gets 408.
    stream_.expires_never();
    header_late_ = false;
    header_deadline_.expires_after(server_->options.header_timeout);
    header_deadline_.async_wait(
        [self = shared_from_this()](beast::error_code error) {
          if (error)
            return;
          self->header_late_ = true;
          beast::error_code ignored;
          self->stream_.socket().cancel(ignored);
        });
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) {
          self->on_header(error);
        });
  }

  void on_header(beast::error_code error) {
    header_deadline_.cancel();
    if (error && header_late_) {
      keep_alive_ = false;
      return write(error_response(408, to_string(errc::request_timeout),
                                  "the request's headers did not arrive in "
                                  "time"));
    }
    if (error || parser_->is_done())
      return on_read(error);
    stream_.expires_after(server_->options.idle_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) {
          self->on_read(error);
        });
  }

  void on_read(beast::error_code error) {
    if (error) {
      auto answer = unreadable_request_response(error);
      if (!answer)
        return close();
      keep_alive_ = false;
      return write(std::move(*answer));
    }
    auto message = parser_->release();
    keep_alive_ = message.keep_alive() && !server_->stopping;
    head_request_ = message.method() == bhttp::verb::head;
    auto request = to_http_request(std::move(message));
    request.client_address = from_.to_string();
    busy_ = true;
    server_->in_flight.fetch_add(1);
    stream_.expires_never();
    auto answered = std::make_shared<std::atomic<bool>>(false);
    auto self = shared_from_this();
    auto respond = [self, answered](http_response response) {
      if (answered->exchange(true))
        return;
      // Answered inside the handler on the io thread (a page from memory):
      // written as the handler returns, without a trip through the queue.
      // The thread first: only the io thread may read in_handler_.
      if (self->io_.get_executor().running_in_this_thread() &&
          self->in_handler_) {
        self->immediate_ = std::move(response);
        return;
      }
      asio::post(self->stream_.get_executor(),
                 [self, response = std::move(response)]() mutable {
                   self->write(std::move(response));
                 });
    };
    in_handler_ = true;
    try {
      server_->handler(std::move(request), respond);
    } catch (const std::exception& failure) {
      respond(error_response(500, "internal", failure.what()));
    }
    in_handler_ = false;
    if (immediate_) {
      auto response = std::move(*immediate_);
      immediate_.reset();
      return write(std::move(response));
    }
    if (answered->load())
      return;
    // A handler that never answers must not hold the connection forever.
    // Only asynchronous answers need the timer: a page served from memory
    // has answered by now. Its write runs on this thread after we return,
    // so it finds the timer and cancels it.
    auto timer = std::make_shared<asio::steady_timer>(
        stream_.get_executor(), server_->options.handler_timeout);
    timer_ = timer;
    timer->async_wait([respond](beast::error_code error) {
      if (!error) {
        auto late = error_response(503, "unavailable", "the request timed out");
        late.headers.emplace_back("Retry-After", "1");
        respond(std::move(late));
      }
    });
  }

  void write(http_response answer) {
    if (auto timer = timer_.lock())
      timer->cancel();
    auto out = std::make_shared<std::string>(
        wire_bytes(answer, keep_alive_, head_request_));
    stream_.expires_after(server_->options.idle_timeout);
    asio::async_write(
        stream_, asio::buffer(*out),
        [self = shared_from_this(), out](beast::error_code error, size_t) {
          self->on_write(error);
        });
  }

  void on_write(beast::error_code error) {
    if (busy_) {
      busy_ = false;
      server_->in_flight.fetch_sub(1);
    }
    if (error)
      return close();
    if (!keep_alive_ || server_->stopping) {
      linger_close(stream_);
      return drain_then_close(shared_from_this(), stream_);
    }
    read_request(false);
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  /// Bytes asked for while waiting for a kept-alive request's first byte.
  static constexpr size_t first_read_size = 4096;

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<http_server::impl> server_;
  asio::io_context& io_;
  asio::ip::address from_;
  asio::steady_timer header_deadline_;
  bool header_late_ = false;
  bool in_handler_ = false;
  bool head_request_ = false;
  std::optional<http_response> immediate_;
  std::optional<request_parser> parser_;
  std::weak_ptr<asio::steady_timer> timer_;
  bool keep_alive_ = true;
  bool busy_ = false;
};

/// A connection past a limit: answered 503 `overloaded` with Retry-After,
/// then drained and closed. Never a reset, never silence.
class refusal : public std::enable_shared_from_this<refusal> {
public:
  refusal(tcp::socket socket, std::shared_ptr<http_server::impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {
    ++server_->refusing;
  }
  ~refusal() { --server_->refusing; }

  void start(std::string_view reason) {
    answer_ = wire_bytes(overloaded_response(reason), false, false);
    stream_.expires_after(close_linger);
    asio::async_write(
        stream_, asio::buffer(answer_),
        [self = shared_from_this()](beast::error_code error, size_t) {
          if (error)
            return;
          linger_close(self->stream_);
          drain_then_close(self, self->stream_);
        });
  }

private:
  beast::tcp_stream stream_;
  std::shared_ptr<http_server::impl> server_;
  std::string answer_;
};

void http_server::impl::accept() {
  if (stopping)
    return;
  // Without a free refusal slot a connection past the limits could not be
  // answered: let it wait in the backlog.
  if (refusing >= refusals_max)
    return accept_later();
  auto& io = *ios[next_io];
  acceptor.async_accept(
      io.get_executor(), [self = shared_from_this(),
                          &io](beast::error_code error, tcp::socket socket) {
        if (self->stopping || error == asio::error::operation_aborted)
          return;
        // Out of descriptors (EMFILE, ENFILE), buffers or memory: the
        // connection stays in the backlog; try again shortly, for good.
        if (error)
          return self->accept_later();
        self->next_io = (self->next_io + 1) % self->ios.size();
        self->on_accept(std::move(socket), io);
        self->accept();
      });
}

void http_server::impl::accept_later() {
  accept_pause.expires_after(accept_retry_delay);
  accept_pause.async_wait([self = shared_from_this()](beast::error_code error) {
    if (!error)
      self->accept();
  });
}

void http_server::impl::on_accept(tcp::socket socket, asio::io_context& io) {
  beast::error_code error;
  auto from = socket.remote_endpoint(error).address();
  if (error)
    return; // gone already; the socket closes here
  if (auto reason = admit(from); !reason.empty()) {
    auto refused =
        std::make_shared<refusal>(std::move(socket), shared_from_this());
    asio::post(io, [refused, reason] { refused->start(reason); });
    return;
  }
  socket.set_option(tcp::no_delay{true}, error);
  auto accepted = std::make_shared<session>(std::move(socket),
                                            shared_from_this(), io, from);
  // Accepts run one at a time on the first io thread, so no other
  // connection is admitted between the count and this insert.
  {
    std::lock_guard guard{sessions_mutex};
    sessions.insert(accepted.get());
  }
  // Started on its own io thread, which runs everything of it from now.
  asio::post(io, [accepted] { accepted->start(); });
}

std::string_view http_server::impl::admit(const asio::ip::address& from) {
  std::lock_guard guard{sessions_mutex};
  auto& from_address = sessions_by_address[from];
  std::string_view reason;
  if (sessions.size() >= connections_limit)
    reason = "the server is at its connection limit; retry";
  else if (from_address >= options.connections_per_address_max)
    reason = "too many connections from this address; retry";
  else
    ++from_address;
  if (from_address == 0)
    sessions_by_address.erase(from);
  return reason;
}

http_server::http_server(http_server_options options, http_handler handler)
    : impl_(std::make_shared<impl>(options.io_threads)) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

http_server::~http_server() {
  // stop() throws only when the server's thread cannot be joined; a
  // destructor cannot report that, so the process says why and ends.
  try {
    stop();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "http server: cannot stop: %s\n", error.what());
    std::terminate();
  }
}

namespace {

/// `wanted` connections, or as many as the open-file limit leaves after
/// the descriptors open now, the spare ones and the refusals'. Raises the
/// soft limit towards the hard one first if that is short.
size_t connections_within_descriptors(size_t wanted) {
  auto open = descriptors_open();
  auto needed =
      static_cast<rlim_t>(wanted + open + descriptors_spare + refusals_max);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return wanted;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed &&
      limit.rlim_cur < limit.rlim_max) {
    auto raised = limit;
    raised.rlim_cur = std::min(needed, limit.rlim_max);
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
      limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed)
    return wanted;
  auto reserved = open + descriptors_spare + refusals_max;
  // Below this the node could hardly serve at all; accept failures
  // (retried after `accept_retry_delay`) take over from the limit there.
  constexpr size_t connections_floor = 16;
  auto allowed = limit.rlim_cur > reserved
                     ? static_cast<size_t>(limit.rlim_cur) - reserved
                     : size_t{0};
  allowed = std::max(allowed, connections_floor);
  std::fprintf(stderr,
               "tillroll: %zu open files allowed: serving at most %zu "
               "connections, not %zu\n",
               static_cast<size_t>(limit.rlim_cur), allowed, wanted);
  return std::min(allowed, wanted);
}

} // namespace

expected<uint16_t> http_server::start() {
  beast::error_code error;
  auto address = asio::ip::make_address(impl_->options.host, error);
  if (error)
    return make_failure(errc::invalid_argument,
                        "bad listen host " + impl_->options.host);
  tcp::endpoint endpoint{address, impl_->options.port};
  impl_->acceptor.open(endpoint.protocol(), error);
  if (!error)
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error)
    impl_->acceptor.bind(endpoint, error);
  if (!error)
    impl_->acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error)
    return make_failure(errc::unavailable,
                        "cannot listen on " + impl_->options.host + ":" +
                            std::to_string(impl_->options.port) + ": " +
                            error.message());
  impl_->connections_limit =
      connections_within_descriptors(impl_->options.connections_max);
  auto port = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  for (auto& io : impl_->ios) {
    impl_->keep_running.push_back(asio::make_work_guard(*io));
    impl_->threads.emplace_back([server = impl_, &io = *io] { io.run(); });
  }
  return port;
}

void http_server::stop() {
  if (!impl_ || impl_->threads.empty())
    return;
  impl_->stopping = true;
  asio::post(*impl_->ios.front(), [server = impl_] {
    beast::error_code ignored;
    server->acceptor.close(ignored);
    server->accept_pause.cancel();
  });
  auto deadline =
      std::chrono::steady_clock::now() + impl_->options.drain_timeout;
  while (impl_->in_flight.load() > 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  // Taken under the mutex, closed and let go outside it: the last
  // reference may be ours, and ~session takes the mutex itself.
  std::vector<std::shared_ptr<session>> open;
  {
    std::lock_guard guard{impl_->sessions_mutex};
    for (auto* each : impl_->sessions)
      if (auto alive = each->weak_from_this().lock())
        open.push_back(std::move(alive));
  }
  for (auto& each : open)
    each->close_when_idle();
  open.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds{20});
  impl_->keep_running.clear();
  for (auto& io : impl_->ios)
    io->stop();
  for (auto& thread : impl_->threads)
    thread.join();
  impl_->threads.clear();
}

size_t http_server::in_flight() const {
  return impl_->in_flight.load();
}

size_t http_server::connections_limit() const {
  return impl_->connections_limit;
}

} // namespace tillroll
