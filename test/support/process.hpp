// Starting the real tillroll binary for integration tests: a child process
// with its stdout on a pipe, a bounded wait for its first line, a raw HTTP
// client for loopback, and a stop by pid.
#pragma once

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace tillroll::test {

struct command_result {
  int exit_code = -1;
  std::string output;
};

/// Runs a command line to completion, capturing stdout and stderr.
inline command_result run_command(const std::string& command_line) {
  command_result result;
  auto* pipe = popen((command_line + " 2>&1").c_str(), "r");
  if (pipe == nullptr)
    return result;
  char buffer[4096];
  size_t got = 0;
  while ((got = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    result.output.append(buffer, got);
  auto status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class server_process {
public:
  explicit server_process(std::vector<std::string> arguments) {
    int fds[2];
    if (::pipe(fds) != 0)
      return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      std::vector<char*> argv;
      for (auto& argument : arguments)
        argv.push_back(argument.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    output_ = fds[0];
  }

  ~server_process() {
    if (pid_ > 0 && !stopped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (output_ >= 0)
      close(output_);
  }

  /// The first line the server prints, within `timeout`.
  std::optional<std::string> first_line(std::chrono::milliseconds timeout) {
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd ready{output_, POLLIN, 0};
      if (poll(&ready, 1, 50) <= 0)
        continue;
      char c = 0;
      if (read(output_, &c, 1) != 1)
        return std::nullopt;
      if (c == '\n')
        return line;
      line.push_back(c);
    }
    return std::nullopt;
  }

  /// Sends SIGTERM and waits (bounded) for the exit code.
  std::optional<int> stop(std::chrono::milliseconds timeout) {
    if (stopped_)
      return exit_code_;
    kill(pid_, SIGTERM);
    return wait_exit(timeout);
  }

  /// Waits (bounded) for the process to exit by itself; its exit code, or
  /// -1 when a signal ended it.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    if (stopped_)
      return exit_code_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        stopped_ = true;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return exit_code_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    return std::nullopt;
  }

  /// Kills the process with SIGKILL and reaps it.
  void kill_now() {
    if (stopped_)
      return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    stopped_ = true;
    exit_code_ = -1;
  }

  bool exited() const { return stopped_; }

  pid_t pid() const { return pid_; }

private:
  pid_t pid_ = -1;
  int output_ = -1;
  bool stopped_ = false;
  int exit_code_ = -1;
};

struct http_reply {
  int status = 0;
  std::string head;
  std::string body;
};

/// One HTTP response in `received` (status line, head, body), or nullopt
/// when its head is not complete.
inline std::optional<http_reply> parse_reply(const std::string& received) {
  auto split = received.find("\r\n\r\n");
  if (split == std::string::npos || received.size() < 12)
    return std::nullopt;
  http_reply reply;
  reply.status = std::stoi(received.substr(9, 3));
  reply.head = received.substr(0, split);
  reply.body = received.substr(split + 4);
  return reply;
}

/// With TILLROLL_EXCHANGE_LOG set, appends each request's line and its
/// reply to that file as one JSON line: the contract test validates every
/// answer the integration tests got against /openapi.json.
inline void record_exchange(const std::string& request,
                            const http_reply& reply) {
  const char* path = std::getenv("TILLROLL_EXCHANGE_LOG");
  if (path == nullptr || *path == '\0')
    return;
  auto line_end = request.find("\r\n");
  auto line = request.substr(0, line_end);
  auto first_space = line.find(' ');
  auto last_space = line.rfind(' ');
  if (first_space == std::string::npos || last_space <= first_space)
    return;
  boost::json::object exchange{
      {"method", line.substr(0, first_space)},
      {"target", line.substr(first_space + 1, last_space - first_space - 1)},
      {"status", reply.status},
      {"head", reply.head},
      {"body", reply.body}};
  // One write of one line with O_APPEND: tests running at once never
  // interleave their lines.
  auto text = boost::json::serialize(exchange) + "\n";
  int fd = ::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return;
  auto written = ::write(fd, text.data(), text.size());
  (void)written;
  ::close(fd);
}

/// Sends raw bytes to 127.0.0.1:port and reads one response (the server is
/// asked to close), with a 5 s cap.
inline std::optional<http_reply> send_raw(uint16_t port,
                                          const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    close(fd);
    return std::nullopt;
  }
  if (::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) < 0) {
    close(fd);
    return std::nullopt;
  }
  std::string received;
  char buffer[8192];
  ssize_t got = 0;
  while ((got = recv(fd, buffer, sizeof(buffer), 0)) > 0)
    received.append(buffer, static_cast<size_t>(got));
  close(fd);
  auto reply = parse_reply(received);
  if (reply)
    record_exchange(bytes, *reply);
  return reply;
}

/// The bytes of one request that asks the server to close afterwards; a
/// JSON body goes with `content_type`, a token as a bearer.
inline std::string request_bytes(
    const std::string& method, const std::string& path,
    const std::string& body = {}, const std::string& token = {},
    const std::vector<std::pair<std::string, std::string>>& headers = {},
    const std::string& content_type = "application/json") {
  std::string request = method + " " + path +
                        " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
  if (!token.empty())
    request += "Authorization: Bearer " + token + "\r\n";
  if (!body.empty() && !content_type.empty())
    request += "Content-Type: " + content_type + "\r\n";
  for (auto& [name, value] : headers)
    request += name + ": " + value + "\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  request += body;
  return request;
}

inline std::optional<http_reply> http_get(uint16_t port,
                                          const std::string& path,
                                          const std::string& method = "GET") {
  return send_raw(port, method + " " + path +
                            " HTTP/1.1\r\nHost: localhost\r\nConnection: "
                            "close\r\nContent-Length: 0\r\n\r\n");
}

} // namespace tillroll::test
