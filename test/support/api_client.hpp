// A client of the real binary's HTTP API for integration tests: requests
// with a JSON body and a bearer token, replies with their JSON parsed.
#pragma once

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "process.hpp"
#include "wait.hpp"

namespace tillroll::test {

struct api_reply {
  int status = 0;
  std::string head;
  std::string body;

  boost::json::value json() const {
    boost::json::error_code error;
    auto parsed = boost::json::parse(body, error);
    return error ? boost::json::value{} : parsed;
  }
  /// The error code of an error body, or empty.
  std::string error_code() const {
    auto parsed = json();
    if (auto* error = parsed.is_object()
                          ? parsed.as_object().if_contains("error")
                          : nullptr)
      return std::string{error->as_object().at("code").as_string()};
    return {};
  }
  std::string header(std::string_view name) const {
    auto lower = [](std::string text) {
      for (auto& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return text;
    };
    auto head_lower = lower(head);
    auto at = head_lower.find("\r\n" + lower(std::string{name}) + ":");
    if (at == std::string::npos)
      return {};
    auto start = head.find(':', at) + 1;
    auto end = head.find("\r\n", start);
    auto value = head.substr(start, end - start);
    while (!value.empty() && value.front() == ' ')
      value.erase(0, 1);
    return value;
  }
};

class api_client {
public:
  explicit api_client(uint16_t port) : port_(port) {}

  api_reply send(const std::string& method, const std::string& path,
                 const std::string& body = {}, const std::string& token = {},
                 std::vector<std::pair<std::string, std::string>> headers = {},
                 const std::string& content_type = "application/json") {
    auto request =
        request_bytes(method, path, body, token, headers, content_type);
    auto reply = send_raw(port_, request);
    REQUIRE_MESSAGE(reply, method << " " << path << " got no answer");
    return api_reply{reply->status, reply->head, reply->body};
  }
  api_reply get(const std::string& path, const std::string& token = {}) {
    return send("GET", path, {}, token);
  }
  api_reply
  post(const std::string& path, const boost::json::value& body,
       const std::string& token = {},
       std::vector<std::pair<std::string, std::string>> headers = {}) {
    return send("POST", path, boost::json::serialize(body), token,
                std::move(headers));
  }

  /// Signs up (201) and signs in; the token and the user id.
  std::pair<std::string, std::string> account(const std::string& email,
                                              const std::string& role) {
    auto made = post(
        "/v1/users",
        {{"email", email}, {"password", "password-" + role}, {"role", role}});
    REQUIRE_MESSAGE(made.status == 201, made.body);
    return sign_in(email, "password-" + role);
  }
  std::pair<std::string, std::string> sign_in(const std::string& email,
                                              const std::string& password) {
    auto session =
        post("/v1/sessions", {{"email", email}, {"password", password}});
    REQUIRE_MESSAGE(session.status == 200, session.body);
    auto json = session.json().as_object();
    return {std::string{json.at("token").as_string()},
            std::string{json.at("user_id").as_string()}};
  }

  uint16_t port() const { return port_; }

private:
  uint16_t port_;
};

} // namespace tillroll::test
