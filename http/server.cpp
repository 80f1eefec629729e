#include "http/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <mutex>
#include <optional>
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

namespace {

std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
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

} // namespace

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
  http_server_options options;
  http_handler handler;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::mutex sessions_mutex;
  std::unordered_set<session*> sessions;
  std::atomic<size_t> in_flight{0};
  std::atomic<bool> stopping{false};

  void accept();
};

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, std::shared_ptr<http_server::impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {}

  void start() {
    {
      std::lock_guard guard{server_->sessions_mutex};
      server_->sessions.insert(this);
    }
    read();
  }

  ~session() {
    std::lock_guard guard{server_->sessions_mutex};
    server_->sessions.erase(this);
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
  void read() {
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(server_->options.header_size_max));
    parser_->body_limit(server_->options.body_size_max);
    stream_.expires_after(server_->options.idle_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) {
          self->on_read(error);
        });
  }

  void on_read(beast::error_code error) {
    if (error == bhttp::error::body_limit) {
      keep_alive_ = false;
      return write(error_response(413, "too_large", "the body is too large"));
    }
    if (error == bhttp::error::header_limit) {
      keep_alive_ = false;
      return write(
          error_response(413, "too_large", "the headers are too large"));
    }
    if (error) {
      if (error != bhttp::error::end_of_stream && error != asio::error::eof &&
          error != beast::error::timeout &&
          error != asio::error::operation_aborted &&
          error != asio::error::connection_reset &&
          error != asio::error::bad_descriptor) {
        keep_alive_ = false;
        return write(
            error_response(400, "invalid_argument", "malformed HTTP request"));
      }
      return close();
    }
    auto message = parser_->release();
    keep_alive_ = message.keep_alive() && !server_->stopping;
    head_request_ = message.method() == bhttp::verb::head;
    http_request request;
    request.method = std::string{message.method_string()};
    request.target = std::string{message.target()};
    for (auto& field : message)
      request.headers.emplace_back(std::string{field.name_string()},
                                   std::string{field.value()});
    request.body = std::move(message.body());
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
      if (self->in_handler_ &&
          self->server_->io.get_executor().running_in_this_thread()) {
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
      if (!error)
        respond(error_response(503, "unavailable", "the request timed out"));
    });
  }

  void write(http_response answer) {
    if (auto timer = timer_.lock())
      timer->cancel();
    // The response is laid out by hand in one buffer: a third of a small
    // response's cost went to Beast's serializer views.
    auto status = static_cast<bhttp::status>(answer.status);
    bool bodyless = answer.status == 304 || answer.status == 204;
    auto out = std::make_shared<std::string>();
    out->reserve(192 + answer.body.size());
    *out += "HTTP/1.1 ";
    *out += std::to_string(answer.status);
    *out += ' ';
    *out += bhttp::obsolete_reason(status);
    *out += "\r\nServer: tillroll\r\nContent-Type: ";
    *out += answer.content_type;
    *out += "\r\n";
    for (auto& [name, value] : answer.headers) {
      *out += name;
      *out += ": ";
      *out += value;
      *out += "\r\n";
    }
    if (!bodyless) {
      *out += "Content-Length: ";
      *out += std::to_string(answer.body.size());
      *out += "\r\n";
    }
    if (!keep_alive_)
      *out += "Connection: close\r\n";
    *out += "\r\n";
    if (!bodyless && !head_request_)
      *out += answer.body;
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
    if (error || !keep_alive_ || server_->stopping)
      return close();
    read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool in_handler_ = false;
  bool head_request_ = false;
  std::optional<http_response> immediate_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<http_server::impl> server_;
  std::weak_ptr<asio::steady_timer> timer_;
  bool keep_alive_ = true;
  bool busy_ = false;
};

void http_server::impl::accept() {
  acceptor.async_accept(
      // One io thread: its sessions need no strand.
      io.get_executor(),
      [self = shared_from_this()](beast::error_code error, tcp::socket socket) {
        if (error || self->stopping)
          return;
        size_t open = 0;
        {
          std::lock_guard guard{self->sessions_mutex};
          open = self->sessions.size();
        }
        if (open < self->options.connections_max) {
          socket.set_option(tcp::no_delay{true});
          std::make_shared<session>(std::move(socket), self)->start();
        }
        self->accept();
      });
}

http_server::http_server(http_server_options options, http_handler handler)
    : impl_(std::make_shared<impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

http_server::~http_server() {
  stop();
}

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
  auto port = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  impl_->thread = std::thread{[server = impl_] { server->io.run(); }};
  return port;
}

void http_server::stop() {
  if (!impl_ || !impl_->thread.joinable())
    return;
  impl_->stopping = true;
  asio::post(impl_->io, [server = impl_] {
    beast::error_code ignored;
    server->acceptor.close(ignored);
  });
  auto deadline =
      std::chrono::steady_clock::now() + impl_->options.drain_timeout;
  while (impl_->in_flight.load() > 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  {
    std::lock_guard guard{impl_->sessions_mutex};
    for (auto* open : impl_->sessions)
      open->close_when_idle();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds{20});
  impl_->io.stop();
  impl_->thread.join();
}

size_t http_server::in_flight() const {
  return impl_->in_flight.load();
}

} // namespace tillroll
