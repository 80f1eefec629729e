// An HTTP client for load, for the benchmarks and the tests that play
// thousands of buyers: Beast over keep-alive connections on one
// io_context, each request a C++20 coroutine, so one process holds
// thousands of buyers and connections without a thread each. Latencies
// are kept per kind of request and read as percentiles.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tillroll::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using clock_type = std::chrono::steady_clock;

/// Answers slower than this count as lost: no request of the benchmarks
/// should take it.
constexpr std::chrono::seconds request_timeout{30};

struct answer {
  /// 0: no answer (refused, reset or timed out).
  int status = 0;
  std::string body;
  /// Seconds, from the Retry-After header; 0 without one.
  int retry_after_s = 0;
  /// From the wait for a connection to the answer (connection_pool).
  double seconds = 0;
};

/// Seconds since `start`.
inline double since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// Latencies of one kind of request.
class latencies {
public:
  void add(double seconds) { samples_.push_back(seconds); }
  size_t count() const { return samples_.size(); }
  /// The q-quantile in milliseconds (0 with no samples).
  double ms(double q) {
    if (samples_.empty())
      return 0;
    auto at = static_cast<size_t>(q * static_cast<double>(samples_.size() - 1));
    std::nth_element(samples_.begin(), samples_.begin() + at, samples_.end());
    return samples_[at] * 1000;
  }

private:
  std::vector<double> samples_;
};

/// One keep-alive connection to the server under test; reconnects when
/// the server closed it.
class connection {
public:
  connection(asio::io_context& io, asio::ip::tcp::endpoint server)
      : stream_(io), server_(server) {}

  awaitable<answer>
  call(http::verb method, std::string target, std::string body = {},
       std::string token = {},
       std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "127.0.0.1");
    request.keep_alive(true);
    if (!token.empty())
      request.set(http::field::authorization, "Bearer " + token);
    for (auto& [name, value] : headers)
      request.set(name, value);
    if (!body.empty()) {
      request.set(http::field::content_type, "application/json");
      request.body() = std::move(body);
    }
    request.prepare_payload();
    answer result;
    // A kept-alive connection the server closed fails the first try.
    for (int attempt = 0; attempt < 2 && result.status == 0; ++attempt) {
      if (!open_) {
        stream_.expires_after(request_timeout);
        auto [error] = co_await stream_.async_connect(
            server_, asio::as_tuple(use_awaitable));
        if (error)
          continue;
        open_ = true;
      }
      result = co_await exchange(request);
    }
    co_return result;
  }

private:
  awaitable<answer> exchange(http::request<http::string_body>& request) {
    answer result;
    stream_.expires_after(request_timeout);
    auto [wrote, written] = co_await http::async_write(
        stream_, request, asio::as_tuple(use_awaitable));
    http::response<http::string_body> response;
    if (!wrote) {
      auto [read, bytes] = co_await http::async_read(
          stream_, buffer_, response, asio::as_tuple(use_awaitable));
      if (!read) {
        result.status = static_cast<int>(response.result_int());
        result.body = std::move(response.body());
        if (auto retry = response.find(http::field::retry_after);
            retry != response.end())
          result.retry_after_s = std::atoi(std::string{retry->value()}.c_str());
        if (!response.keep_alive())
          close();
        co_return result;
      }
    }
    close();
    co_return result;
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
    buffer_.clear();
    open_ = false;
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  asio::ip::tcp::endpoint server_;
  bool open_ = false;
};

/// Connections shared by many coroutines: one is taken for a request and
/// given back after; past `most` open, a request waits its turn for one.
class connection_pool {
public:
  connection_pool(asio::io_context& io, uint16_t port, size_t most)
      : io_(io), server_(asio::ip::make_address("127.0.0.1"), port),
        most_(most) {}

  awaitable<answer>
  call(http::verb method, std::string target, std::string body = {},
       std::string token = {},
       std::vector<std::pair<std::string, std::string>> headers = {}) {
    // Timed from here: a wait for a connection is the request's too.
    auto started = clock_type::now();
    auto taken = co_await take();
    auto result =
        co_await taken->call(method, std::move(target), std::move(body),
                             std::move(token), std::move(headers));
    give_back(std::move(taken));
    result.seconds = since(started);
    co_return result;
  }

private:
  struct waiter {
    explicit waiter(asio::io_context& io)
        : wake(io, clock_type::time_point::max()) {}
    asio::steady_timer wake;
    std::unique_ptr<connection> given;
  };

  awaitable<std::unique_ptr<connection>> take() {
    if (!idle_.empty()) {
      auto taken = std::move(idle_.back());
      idle_.pop_back();
      co_return taken;
    }
    if (opened_ < most_) {
      ++opened_;
      co_return std::make_unique<connection>(io_, server_);
    }
    auto turn = std::make_shared<waiter>(io_);
    waiting_.push_back(turn);
    // give_back() cancels the wait once it has put a connection in `given`.
    co_await turn->wake.async_wait(asio::as_tuple(use_awaitable));
    co_return std::move(turn->given);
  }

  void give_back(std::unique_ptr<connection> done) {
    if (waiting_.empty()) {
      idle_.push_back(std::move(done));
      return;
    }
    auto next = std::move(waiting_.front());
    waiting_.pop_front();
    next->given = std::move(done);
    next->wake.cancel();
  }

  asio::io_context& io_;
  asio::ip::tcp::endpoint server_;
  size_t most_;
  size_t opened_ = 0;
  std::vector<std::unique_ptr<connection>> idle_;
  std::deque<std::shared_ptr<waiter>> waiting_;
};

/// Sleeps this coroutine for `duration`.
inline awaitable<void> pause_for(clock_type::duration duration) {
  asio::steady_timer timer{co_await asio::this_coro::executor};
  timer.expires_after(duration);
  co_await timer.async_wait(use_awaitable);
}

// ---- playing a shop's buyers ----

inline boost::json::value parsed(const answer& got) {
  boost::system::error_code error;
  auto value = boost::json::parse(got.body, error);
  return error ? boost::json::value{} : value;
}

inline std::string text_at(const boost::json::value& value,
                           std::string_view key) {
  auto* object = value.if_object();
  auto* found = object ? object->if_contains(key) : nullptr;
  return found && found->is_string() ? std::string{found->as_string()} : "";
}

inline int64_t number_at(const boost::json::value& value,
                         std::string_view key) {
  auto* object = value.if_object();
  auto* found = object ? object->if_contains(key) : nullptr;
  return found && found->is_int64() ? found->as_int64() : -1;
}

/// Runs `work` on a fresh io_context to its end; what it throws, throws.
inline void run(const std::function<awaitable<void>(asio::io_context&)>& work) {
  asio::io_context io;
  asio::co_spawn(io, work(io), [](std::exception_ptr failed) {
    if (failed)
      std::rethrow_exception(failed);
  });
  io.run();
}

/// Runs `count` coroutines of `body(index)`, `width` at a time, to their
/// end; the first exception one throws is thrown once the others end.
inline awaitable<void> for_each(size_t count, size_t width,
                                std::function<awaitable<void>(size_t)> body) {
  size_t next = 0;
  size_t running = 0;
  std::exception_ptr thrown;
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer wake{executor};
  for (;;) {
    while (!thrown && next < count && running < width) {
      ++running;
      asio::co_spawn(executor, body(next++),
                     [&running, &wake, &thrown](std::exception_ptr failed) {
                       if (failed && !thrown)
                         thrown = failed;
                       --running;
                       wake.cancel();
                     });
    }
    if (running == 0) {
      // What a body threw (a failed REQUIRE) fails the caller, once all
      // that started have ended.
      if (thrown)
        std::rethrow_exception(thrown);
      co_return;
    }
    // One coroutine's end cancels the wait (all run on this one thread).
    wake.expires_at(clock_type::time_point::max());
    co_await wake.async_wait(asio::as_tuple(use_awaitable));
  }
}

/// A signed-in account; empty if the sign-up or sign-in failed (said on
/// stderr).
struct account {
  std::string id;
  std::string token;
};

/// Most tries of a request answered 503 or 429 (the node's lanes and
/// limits say so when busy), each after its Retry-After or 50 ms.
constexpr int busy_tries_max = 100;

/// A request sent again while the node says it is busy.
inline awaitable<answer> call_until_served(connection_pool& pool,
                                           http::verb method,
                                           std::string target,
                                           std::string body) {
  answer got;
  for (int tries = 0; tries < busy_tries_max; ++tries) {
    got = co_await pool.call(method, target, body);
    if (got.status != 503 && got.status != 429)
      break;
    co_await pause_for(
        got.retry_after_s > 0
            ? clock_type::duration{std::chrono::seconds{got.retry_after_s}}
            : clock_type::duration{std::chrono::milliseconds{50}});
  }
  co_return got;
}

/// A JSON body of the credentials; not built inside a coroutine, where
/// g++ 12 miscompiles string literals in braced initializers.
inline std::string credentials(const std::string& email,
                               const std::string& role = {}) {
  boost::json::object body{{"email", email}, {"password", "load-password"}};
  if (!role.empty())
    body["role"] = role;
  return boost::json::serialize(body);
}

// Coroutines take their strings by value: a reference would dangle if
// the caller kept the awaitable past its arguments.
inline awaitable<account> sign_up(connection_pool& pool, std::string email,
                                  std::string role) {
  auto made = co_await call_until_served(pool, http::verb::post, "/v1/users",
                                         credentials(email, role));
  auto session = co_await call_until_served(pool, http::verb::post,
                                            "/v1/sessions", credentials(email));
  if (made.status != 201 || session.status != 200) {
    std::fprintf(stderr, "sign-up of %s: %d %s\n", email.c_str(), made.status,
                 session.body.c_str());
    co_return account{};
  }
  co_return account{text_at(parsed(made), "id"),
                    text_at(parsed(session), "token")};
}

inline awaitable<std::vector<account>>
sign_up_buyers(connection_pool& pool, size_t count, std::string prefix) {
  std::vector<account> buyers(count);
  co_await for_each(count, 64, [&](size_t index) -> awaitable<void> {
    buyers[index] = co_await sign_up(
        pool, prefix + std::to_string(index) + "@load.test", "buyer");
  });
  co_return buyers;
}

} // namespace tillroll::test
