// Reading what a client sent: the query string, a JSON body and its
// fields. Every refusal is an error value naming the field, so bad input
// becomes a 4xx and never a crash.
#pragma once

#include "events/expected.hpp"
#include "http/server.hpp"
#include "projections/cursor.hpp"

#include <boost/json/object.hpp>

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tillroll {

/// A request's query parameters by name (transparent, for string_view
/// look-ups).
using query_map = std::map<std::string, std::string, std::less<>>;

/// Most elements of a list in a body (images, variants, attributes).
inline constexpr size_t body_list_size_max = 100;
inline constexpr size_t body_text_size_max = 10'000;
/// A SKU id is 1 to `sku_id_size_max` bytes of `A-Z a-z 0-9 . _ -`: it is
/// a path segment (/v1/skus/{sku}, /v1/cart/items/{sku}) and part of a
/// stream name, so it must be addressable as it is, without encoding.
inline constexpr size_t sku_id_size_max = 128;

/// The path of a target, without its query.
std::string_view target_path(std::string_view target);

/// Percent-decoded query parameters; nullopt for malformed encoding or a
/// value that is not UTF-8 once decoded.
std::optional<query_map> query_parameters(std::string_view target);

/// The body as a JSON object: 415 unless the content type is
/// application/json (any case, with at most a utf-8 charset parameter)
/// and the body has no content coding but identity; 400 on malformed JSON
/// (invalid UTF-8 included) or a non-object.
[[nodiscard]] expected<boost::json::object>
json_body(const http_request& request);

/// Refuses a Content-Type other than JSON in UTF-8 (415).
[[nodiscard]] expected<void> check_json_media_type(std::string_view type);
/// Refuses a Content-Encoding other than identity (415): a gzip body is
/// not read as if it were plain.
[[nodiscard]] expected<void> check_identity_encoding(std::string_view coding);

/// Refuses a SKU id outside the alphabet (see `sku_id_size_max`), naming
/// `field`; the one check for every entry that takes a SKU id.
[[nodiscard]] expected<void> check_sku_id(std::string_view sku,
                                          std::string_view field = "sku");
/// A required SKU id field of a body.
[[nodiscard]] expected<std::string>
sku_id_field(const boost::json::object& body, std::string_view name);

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
/// A JSON integer in [low, high]. A number with a fraction or an exponent
/// (1.0, 1e1) is refused even when it is whole, as Stripe does: a client
/// that sends one has a bug worth seeing.
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
std::string text_parameter(const query_map& query, std::string_view name);

/// A query parameter as an integer in [low, high]; nullopt if absent.
[[nodiscard]] expected<std::optional<int64_t>>
integer_parameter(const query_map& query, std::string_view name, int64_t low,
                  int64_t high);
/// `limit`: default `list_limit_default`, at most `list_limit_max`.
[[nodiscard]] expected<size_t> limit_parameter(const query_map& query);
/// A query parameter naming one of `choices` (a sort order, a status);
/// nullopt if absent. The refusal lists every name, so browse, search and
/// the order list answer a wrong choice alike.
template <class Choice>
[[nodiscard]] expected<std::optional<Choice>> choice_parameter(
    const query_map& query, std::string_view name,
    std::initializer_list<std::pair<std::string_view, Choice>> choices) {
  auto found = query.find(name);
  if (found == query.end())
    return std::optional<Choice>{};
  std::vector<std::string_view> names;
  for (auto& [text, choice] : choices) {
    if (found->second == text)
      return std::optional<Choice>{choice};
    names.push_back(text);
  }
  std::string list;
  for (size_t index = 0; index < names.size(); ++index) {
    if (index > 0)
      list += index + 1 == names.size() ? " or " : ", ";
    list += names[index];
  }
  return make_failure(errc::invalid_argument,
                      std::string{name} + " must be " + list);
}

/// true/false/1/0; nullopt if absent.
[[nodiscard]] expected<std::optional<bool>>
bool_parameter(const query_map& query, std::string_view name);

} // namespace tillroll
