// Reading what a client sent: the query string, a JSON body and its
// fields. Every refusal is an error value naming the field, so bad input
// becomes a 4xx and never a crash.
#pragma once

#include "events/expected.hpp"
#include "http/server.hpp"

#include <boost/json/object.hpp>

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tillroll {

/// Most elements of a list in a body (images, variants, attributes).
inline constexpr size_t body_list_size_max = 100;
inline constexpr size_t body_text_size_max = 10'000;

/// The path of a target, without its query.
std::string_view target_path(std::string_view target);

/// Percent-decoded query parameters; nullopt for malformed encoding.
std::optional<std::map<std::string, std::string, std::less<>>>
query_parameters(std::string_view target);

/// The body as a JSON object: 415 unless the content type is JSON, 400 on
/// malformed JSON (invalid UTF-8 included) or a non-object.
[[nodiscard]] expected<boost::json::object>
json_body(const http_request& request);

/// Refuses fields other than `allowed`, naming the first: fields the server
/// owns (ids, owners, prices in a cart, status, totals) are never taken.
[[nodiscard]] expected<void>
only_fields(const boost::json::object& body,
            std::initializer_list<std::string_view> allowed);

[[nodiscard]] expected<std::string>
text_field(const boost::json::object& body, std::string_view name,
           size_t size_max = body_text_size_max, bool required = true);
[[nodiscard]] expected<std::optional<std::string>>
optional_text_field(const boost::json::object& body, std::string_view name,
                    size_t size_max = body_text_size_max);
[[nodiscard]] expected<int64_t> integer_field(const boost::json::object& body,
                                              std::string_view name,
                                              int64_t low, int64_t high);
[[nodiscard]] expected<std::optional<int64_t>>
optional_integer_field(const boost::json::object& body, std::string_view name,
                       int64_t low, int64_t high);
/// An object of string values (attributes).
[[nodiscard]] expected<std::map<std::string, std::string>>
string_map_field(const boost::json::object& body, std::string_view name,
                 bool required = false);

/// A query parameter's text, empty if absent.
std::string
text_parameter(const std::map<std::string, std::string, std::less<>>& query,
               std::string_view name);

/// A query parameter as an integer in [low, high]; nullopt if absent.
[[nodiscard]] expected<std::optional<int64_t>>
integer_parameter(const std::map<std::string, std::string, std::less<>>& query,
                  std::string_view name, int64_t low, int64_t high);
/// `limit`: default 20, at most 100.
[[nodiscard]] expected<size_t>
limit_parameter(const std::map<std::string, std::string, std::less<>>& query);
/// true/false/1/0; nullopt if absent.
[[nodiscard]] expected<std::optional<bool>>
bool_parameter(const std::map<std::string, std::string, std::less<>>& query,
               std::string_view name);

} // namespace tillroll
